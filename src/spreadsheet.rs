//! Cells bound for a spreadsheet: the one formula-injection rule of every CSV and XLSX writer
//! (command output, rejects files, a night's proposals). A title such as `=HYPERLINK(...)`
//! must reach the operator as text, never as a formula Excel runs; JSON keeps values exact.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether a spreadsheet would take `cell` for a formula (or a DDE command) when it opens the
/// file: it starts with `=`, `+`, `-` or `@`, or with a tab or carriage return (which Excel
/// and LibreOffice skip before looking for one), and it is not a plain number such as `-3.5`.
/// The one rule for every CSV and XLSX writer of baobei (formula injection, OWASP's "CSV
/// injection").
pub fn is_formula_like(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_plain_number(cell)
}

/// `cell` as a CSV file must hold it: a formula-like cell behind a leading apostrophe, which
/// Excel shows as text and does not run; anything else unchanged.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// An optional sign, digits, and at most one decimal point among them: `-3.5`, `+1.0`, `42`.
/// (No exponent, no thousands separator: baobei writes neither.)
pub fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !whole.is_empty()
        && all_digits(whole)
        && fraction.is_none_or(|f| !f.is_empty() && all_digits(f))
}

/// Writes one CSV row, each cell through [`spreadsheet_cell`].
pub fn write_csv_row<'a>(
    w: &mut impl Write,
    fields: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(w);
    for field in fields {
        writer
            .write_field(spreadsheet_cell(field).as_bytes())
            .map_err(io::Error::other)?;
    }
    writer
        .write_record(None::<&[u8]>)
        .map_err(io::Error::other)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_told_from_text_and_numbers() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+86 138",
            "-3+2",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "=",
        ] {
            assert!(is_formula_like(cell), "{cell:?}");
            assert_eq!(spreadsheet_cell(cell), format!("'{cell}"));
        }
        for cell in [
            "",
            "面霜 =1",
            "-3.5",
            "+1.0",
            "42",
            "0.0267",
            "自然堂面霜",
            "'=x",
            " =1",
        ] {
            assert!(!is_formula_like(cell), "{cell:?}");
            assert_eq!(spreadsheet_cell(cell), cell);
        }
        for not_number in ["-.5", "-5.", "-1.2.3", "--1", "-1e5", "-inf"] {
            assert!(is_formula_like(not_number), "{not_number:?}");
        }
    }
}
