//! A small PDF writer for text documents (superbills): pages of Helvetica lines, built
//! by hand so the server needs no PDF library. Valid PDF 1.4 with a correct xref table.

/// Lines per page at 11 pt with a 14 pt leading on US Letter with 1-inch margins.
const LINES_PER_PAGE: usize = 46;

/// Text a PDF string literal can hold: Latin-1 printable characters, with `\`, `(` and
/// `)` escaped; anything else becomes `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A PDF whose pages show `lines`, the first one (the title) larger.
pub fn text_document(title: &str, lines: &[String]) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    // 1: catalog, 2: pages, 3: font; then a page and its content per page.
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| 4 + 2 * i).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        page_ids
            .iter()
            .map(|id| format!("{id} 0 R"))
            .collect::<Vec<_>>()
            .join(" "),
        pages.len()
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    );
    for (index, chunk) in pages.iter().enumerate() {
        let mut stream = String::from("BT\n");
        if index == 0 {
            stream.push_str(&format!(
                "/F1 16 Tf\n72 740 Td\n({}) Tj\n/F1 11 Tf\n0 -28 Td\n",
                escape(title)
            ));
        } else {
            stream.push_str("/F1 11 Tf\n72 740 Td\n");
        }
        stream.push_str("14 TL\n");
        for line in *chunk {
            stream.push_str(&format!("({}) '\n", escape(line)));
        }
        stream.push_str("ET\n");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            page_ids[index] + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}endstream",
            stream.len()
        ));
    }
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref_at = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every xref entry points at the object it names.
    fn xref_is_consistent(pdf: &[u8]) -> bool {
        let text = String::from_utf8_lossy(pdf);
        let Some(start) = text.rfind("startxref\n") else {
            return false;
        };
        let xref_at: usize = text[start + 10..]
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut lines = text[xref_at..].lines().skip(1);
        let count: usize = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        lines.next();
        (1..count).all(|n| {
            let offset: usize = lines
                .next()
                .and_then(|l| l[..10].parse().ok())
                .unwrap_or(usize::MAX);
            text.get(offset..)
                .is_some_and(|rest| rest.starts_with(&format!("{n} 0 obj")))
        })
    }

    #[test]
    fn the_document_is_well_formed_and_escapes_text() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("Line {i} (paid) \\ ok ✓"))
            .collect();
        let pdf = text_document("Superbill", &lines);
        assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));
        assert!(xref_is_consistent(&pdf));
        let text = String::from_utf8(pdf).unwrap();
        assert!(text.contains("/Count 3"), "100 lines need three pages");
        assert!(text.contains("(Line 7 \\(paid\\) \\\\ ok ?) '"));
    }
}
