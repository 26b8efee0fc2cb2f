//! Text documents (superbills, the demo's visit summary) as PDF, through the `krilla`
//! crate: US Letter pages of lines in DejaVu Sans (built into the server from the
//! `dejavu` crate: Latin, Greek, Cyrillic, Arabic, Hebrew and more), with fonts from the
//! machine for what DejaVu lacks (Chinese, Japanese, Korean: `pdf_fonts`, or the
//! common system fonts below). The glyphs used are embedded, as subsets, so "José
//! Núñez" and "李小龙" print and copy right on any reader. Long lines wrap.

use crate::error::ServerError;
use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::path::{Path, PathBuf};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// US Letter, in points.
const PAGE: (f32, f32) = (612.0, 792.0);
const MARGIN: f32 = 72.0;
const TITLE_SIZE: f32 = 16.0;
const TEXT_SIZE: f32 = 11.0;
const LEADING: f32 = 14.0;
/// Room between the title's baseline and the first line's.
const AFTER_TITLE: f32 = 28.0;

/// Fonts with wide coverage of the scripts DejaVu Sans lacks, where Debian, Fedora,
/// Arch and macOS put them: the first found serve when `pdf_fonts` names none. Debian:
/// `fonts-wqy-microhei`, `fonts-noto-cjk` or `fonts-droid-fallback`.
pub const SYSTEM_FALLBACKS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
];

/// A font face: its name for the logs, its bytes for krilla (which embeds the glyphs
/// used) and for skrifa (which says which characters it has and how wide they are).
struct Face {
    name: String,
    data: krilla::Data,
    index: u32,
    font: Font,
}

impl Face {
    fn new(name: String, data: krilla::Data, index: u32) -> Result<Self, String> {
        FontRef::from_index(data.as_ref(), index)
            .map_err(|e| format!("{name} is not a font skrifa can read ({e})"))?;
        let font = Font::new(data.clone(), index)
            .ok_or_else(|| format!("{name} is not a font krilla can embed"))?;
        Ok(Self {
            name,
            data,
            index,
            font,
        })
    }

    fn reader(&self) -> Option<FontRef<'_>> {
        FontRef::from_index(self.data.as_ref(), self.index).ok()
    }

    fn has(&self, c: char) -> bool {
        self.reader()
            .and_then(|font| font.charmap().map(c))
            .is_some_and(|glyph| glyph.to_u32() != 0)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let Some(font) = self.reader() else {
            return 0.0;
        };
        let (charmap, metrics) = (
            font.charmap(),
            font.glyph_metrics(Size::new(size), LocationRef::default()),
        );
        text.chars()
            .filter_map(|c| charmap.map(c))
            .filter_map(|glyph| metrics.advance_width(glyph))
            .sum()
    }
}

/// The fonts PDFs are written with: DejaVu Sans and DejaVu Sans Bold (built in), then
/// the fallbacks, tried in order for each character the built-in ones lack.
pub struct Fonts {
    regular: Face,
    bold: Face,
    fallbacks: Vec<Face>,
}

impl Fonts {
    /// The built-in fonts and the fallbacks: the files `configured` names (each must be
    /// a readable TrueType or OpenType font or collection, or this is an error that says
    /// which), or, when it names none, the [`SYSTEM_FALLBACKS`] found on this machine.
    pub fn load(configured: &[PathBuf]) -> Result<Self, ServerError> {
        let built_in = |name: &str, bytes: &'static [u8]| {
            Face::new(format!("{name} (built in)"), bytes.into(), 0).map_err(ServerError::internal)
        };
        let regular = built_in("DejaVu Sans", dejavu::sans::regular())?;
        let bold = built_in("DejaVu Sans Bold", dejavu::sans::bold())?;
        let mut fallbacks = Vec::new();
        if configured.is_empty() {
            for path in SYSTEM_FALLBACKS.iter().map(Path::new) {
                if path.is_file() {
                    match load_file(path) {
                        Ok(face) => fallbacks.push(face),
                        Err(error) => tracing::warn!(%error, "a system font is left out"),
                    }
                }
            }
        } else {
            for path in configured {
                fallbacks.push(
                    load_file(path)
                        .map_err(|error| ServerError::Startup(format!("pdf_fonts: {error}")))?,
                );
            }
        }
        Ok(Self {
            regular,
            bold,
            fallbacks,
        })
    }

    /// The fonts in use, for the start-up log.
    pub fn describe(&self) -> String {
        let mut names = vec![self.regular.name.clone()];
        names.extend(self.fallbacks.iter().map(|face| face.name.clone()));
        names.join(", ")
    }

    /// True when some font has `c`.
    pub fn covers(&self, c: char) -> bool {
        self.regular.has(c) || self.fallbacks.iter().any(|face| face.has(c))
    }

    /// The face to draw `c` with: the first, of `main` and the fallbacks, that has it;
    /// `None` when none has it (it is drawn as `main`'s empty box).
    fn face_for(&self, main: &Face, c: char) -> Option<usize> {
        if main.has(c) {
            return Some(0);
        }
        self.fallbacks
            .iter()
            .position(|face| face.has(c))
            .map(|i| i + 1)
    }

    fn face<'a>(&'a self, main: &'a Face, index: usize) -> &'a Face {
        index
            .checked_sub(1)
            .and_then(|i| self.fallbacks.get(i))
            .unwrap_or(main)
    }

    /// `text` cut into runs of one face each. Spaces and combining marks stay with the
    /// run before them. Counts the characters no font has into `missing`.
    fn runs<'t>(&self, main: &Face, text: &'t str, missing: &mut usize) -> Vec<(usize, &'t str)> {
        let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (face, start, end)
        for (at, c) in text.char_indices() {
            let end = at + c.len_utf8();
            let follows = c.is_whitespace()
                || matches!(
                    c.general_category(),
                    GeneralCategory::NonspacingMark
                        | GeneralCategory::EnclosingMark
                        | GeneralCategory::SpacingMark
                );
            let face = match runs.last() {
                Some(&(face, _, _)) if follows => face,
                _ => self.face_for(main, c).unwrap_or_else(|| {
                    if !c.is_whitespace() {
                        *missing += 1;
                    }
                    0
                }),
            };
            match runs.last_mut() {
                Some(run) if run.0 == face => run.2 = end,
                _ => runs.push((face, at, end)),
            }
        }
        runs.into_iter()
            .map(|(face, start, end)| (face, &text[start..end]))
            .collect()
    }

    fn width(&self, main: &Face, text: &str, size: f32) -> f32 {
        let mut ignored = 0;
        self.runs(main, text, &mut ignored)
            .into_iter()
            .map(|(face, run)| self.face(main, face).width(run, size))
            .sum()
    }

    /// `line` broken into lines no wider than `room`: at spaces, or within a word
    /// (a long number, a script without spaces) when one word is wider than `room`.
    fn wrap(&self, main: &Face, line: &str, size: f32, room: f32) -> Vec<String> {
        let mut out = Vec::new();
        // A line's indent stays on its first piece.
        let indent = line.len() - line.trim_start_matches(' ').len();
        let mut current = line[..indent].to_owned();
        for word in line[indent..].split(' ') {
            let candidate = if current.trim().is_empty() {
                format!("{current}{word}")
            } else {
                format!("{current} {word}")
            };
            if self.width(main, &candidate, size) <= room {
                current = candidate;
                continue;
            }
            if !current.trim().is_empty() {
                out.push(std::mem::take(&mut current));
            }
            for c in word.chars() {
                current.push(c);
                if self.width(main, &current, size) > room && current.chars().count() > 1 {
                    current.pop();
                    out.push(std::mem::replace(&mut current, c.to_string()));
                }
            }
        }
        out.push(current);
        out
    }
}

fn load_file(path: &Path) -> Result<Face, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Face::new(path.display().to_string(), bytes.into(), 0)
}

/// One line placed on a page.
struct Placed {
    text: String,
    bold: bool,
    size: f32,
    y: f32,
}

/// The lines of each page: the title first (larger, bold), then `lines`, wrapped.
fn layout(fonts: &Fonts, title: &str, lines: &[String]) -> Vec<Vec<Placed>> {
    let room = PAGE.0 - 2.0 * MARGIN;
    let top = MARGIN + TITLE_SIZE;
    let bottom = PAGE.1 - MARGIN;
    let mut pages = vec![Vec::new()];
    let mut y = top;
    for text in fonts.wrap(&fonts.bold, title, TITLE_SIZE, room) {
        pages[0].push(Placed {
            text,
            bold: true,
            size: TITLE_SIZE,
            y,
        });
        y += TITLE_SIZE + 4.0;
    }
    y += AFTER_TITLE - TITLE_SIZE - 4.0;
    for line in lines {
        for text in fonts.wrap(&fonts.regular, line, TEXT_SIZE, room) {
            if y > bottom {
                pages.push(Vec::new());
                y = top;
            }
            if let Some(page) = pages.last_mut() {
                page.push(Placed {
                    text,
                    bold: false,
                    size: TEXT_SIZE,
                    y,
                });
            }
            y += LEADING;
        }
    }
    pages
}

/// A PDF whose pages show `title` (larger, bold) and then `lines`.
pub fn text_document(fonts: &Fonts, title: &str, lines: &[String]) -> Result<Vec<u8>, ServerError> {
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1)
        .ok_or_else(|| ServerError::internal("the PDF page size is not positive"))?;
    let mut document = Document::new();
    document.set_metadata(krilla::metadata::Metadata::new().title(title.to_owned()));
    let mut missing = 0;
    for placed in layout(fonts, title, lines) {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for line in placed {
            let main = if line.bold {
                &fonts.bold
            } else {
                &fonts.regular
            };
            let mut x = MARGIN;
            for (face, run) in fonts.runs(main, &line.text, &mut missing) {
                let face = fonts.face(main, face);
                surface.draw_text(
                    Point::from_xy(x, line.y),
                    face.font.clone(),
                    line.size,
                    run,
                    false,
                    TextDirection::Auto,
                );
                x += face.width(run, line.size);
            }
        }
        surface.finish();
        page.finish();
    }
    if missing > 0 {
        // The count only: the text is a patient's.
        tracing::warn!(
            characters = missing,
            "a PDF has characters no font has (they print as boxes): name a font that has \
             them in pdf_fonts"
        );
    }
    document
        .finish()
        .map_err(|e| ServerError::internal(format!("writing a PDF: {e}")))
}

#[cfg(test)]
mod tests {
    use super::{Fonts, layout};

    fn fonts() -> Fonts {
        Fonts::load(&[]).expect("the built-in fonts load")
    }

    #[test]
    fn runs_split_where_the_built_in_font_ends() {
        let fonts = fonts();
        let mut missing = 0;
        let runs = fonts.runs(&fonts.regular, "José Núñez", &mut missing);
        assert_eq!(runs, vec![(0, "José Núñez")]);
        assert_eq!(missing, 0);
        // Han characters are not in DejaVu Sans: they go to a fallback, or count as
        // missing when this machine has none.
        let runs = fonts.runs(&fonts.regular, "Patient: 李小龙 (Lee)", &mut missing);
        assert_eq!(runs.first(), Some(&(0, "Patient: ")));
        if fonts.fallbacks.is_empty() {
            assert_eq!(missing, 3);
        } else {
            assert_eq!(runs.get(1), Some(&(1, "李小龙 ")));
            assert_eq!(missing, 0);
        }
    }

    #[test]
    fn long_lines_wrap_within_the_margins_and_pages_follow() {
        let fonts = fonts();
        let long = "word ".repeat(60);
        let lines: Vec<String> = std::iter::once(long.clone())
            .chain((0..60).map(|i| format!("Line {i}")))
            .collect();
        let pages = layout(&fonts, "Superbill - Riverside", &lines);
        assert_eq!(pages.len(), 2);
        let wrapped = pages[0]
            .iter()
            .filter(|l| l.text.starts_with("word"))
            .count();
        assert!(wrapped >= 3, "{wrapped}");
        for page in &pages {
            for line in page {
                let main = if line.bold {
                    &fonts.bold
                } else {
                    &fonts.regular
                };
                assert!(fonts.width(main, &line.text, line.size) <= 468.0);
                assert!(line.y <= 720.0 + 1.0);
            }
        }
        let unbroken = "9".repeat(200);
        let pieces = fonts.wrap(&fonts.regular, &unbroken, 11.0, 468.0);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat(), unbroken);
    }

    #[test]
    fn a_document_is_a_pdf() {
        let pdf =
            super::text_document(&fonts(), "Visit", &["José Núñez".to_owned()]).expect("written");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
