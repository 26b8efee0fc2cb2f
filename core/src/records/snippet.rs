//! Snippets for search results, cut from the record's own text: the search index keeps
//! no copy of it (contentless FTS5), so the words around a match come from here.

/// How many characters a snippet shows at most.
const WIDTH: usize = 80;

/// The part of `text` around the first word that starts with one of the typed words
/// (case and accents ignored as far as lowercase goes), or its beginning.
pub fn snippet(text: &str, query: &str) -> String {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut hit = None;
    for (i, c) in chars.iter().enumerate() {
        let boundary = i == 0 || !chars[i - 1].is_alphanumeric();
        if c.is_alphanumeric() && boundary {
            let start = i;
            let rest: String = chars[start..]
                .iter()
                .take(64)
                .collect::<String>()
                .to_lowercase();
            if words.iter().any(|w| rest.starts_with(w.as_str())) {
                hit = Some(start);
                break;
            }
        }
    }
    let from = hit.map_or(0, |at| at.saturating_sub(WIDTH / 3));
    // Start at a word.
    let from = (from..chars.len().min(from + 20))
        .find(|&i| i == 0 || !chars[i - 1].is_alphanumeric())
        .unwrap_or(from);
    let to = (from + WIDTH).min(chars.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.extend(&chars[from..to]);
    if to < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn the_words_around_the_match_are_shown_and_cuts_are_marked() {
        let text = "Good morning. Your MRI of the left knee shows a small meniscus tear; \
                    we will talk about physiotherapy at your next visit on Monday.";
        let cut = snippet(text, "menisc");
        assert!(cut.contains("meniscus tear"), "{cut}");
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.chars().count() <= 82, "{cut}");
        assert_eq!(snippet("Short note", "zebra"), "Short note");
        assert_eq!(snippet("Lab RESULTS ready", "results"), "Lab RESULTS ready");
    }
}
