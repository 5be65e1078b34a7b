//! The one masking module: every written form of a fødselsnummer — in a list, a log line, an
//! error text, an audit purpose, a report — is masked here, always as `010180 *****` (the birth
//! date stays, the personnummer goes).

/// The masked form of a number's digits: the first six, then ` *****`.
pub fn digits(number: &str) -> String {
    let head: String = number.chars().take(6).collect();
    format!("{head} *****")
}

/// Raw input that might hold a fødselsnummer (a row of a list, an input that did not parse):
/// the first six characters stay, the rest become `*****`. Six characters or fewer stay as
/// they are, except five digits alone (a personnummer), which become `*****`.
pub fn input(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.len() == 5 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return "*****".to_owned();
    }
    if trimmed.chars().count() <= 6 {
        return trimmed.to_owned();
    }
    digits(trimmed)
}

/// Free text with every fødselsnummer masked: each run of exactly eleven digits, and each
/// number written `DDMMYY NNNNN` or `DDMMYY-NNNNN` (six digits, a space or hyphen, five
/// digits), becomes `DDMMYY *****`. Other numbers are left alone.
pub fn text(text: &str) -> String {
    String::from_utf8(bytes(text.as_bytes())).expect("only ASCII digits are replaced")
}

/// [`text`] for bytes (log lines as they are written). Not UTF-8 is left as it is, except the
/// digit runs.
pub fn bytes(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 8);
    let run_end = |from: usize| {
        text[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(text.len(), |n| from + n)
    };
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii_digit() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let end = run_end(i);
        let len = end - i;
        if len == 11 {
            out.extend_from_slice(&text[i..i + 6]);
            out.extend_from_slice(b" *****");
            i = end;
            continue;
        }
        // `DDMMYY NNNNN`: six digits, one separator, five digits, then no further digit.
        if len == 6
            && matches!(text.get(end), Some(b' ' | b'-'))
            && end + 1 < text.len()
            && text[end + 1].is_ascii_digit()
            && run_end(end + 1) - (end + 1) == 5
        {
            out.extend_from_slice(&text[i..end]);
            out.extend_from_slice(b" *****");
            i = end + 6;
            continue;
        }
        // `DD.MM.YY NNNNN` (also with `-`, `.` or nothing before the personnummer).
        if len == 2
            && let Some(next) = dotted(text, i)
        {
            out.extend_from_slice(&text[i..i + 2]);
            out.extend_from_slice(&text[i + 3..i + 5]);
            out.extend_from_slice(&text[i + 6..i + 8]);
            out.extend_from_slice(b" *****");
            i = next;
            continue;
        }
        out.extend_from_slice(&text[i..end]);
        i = end;
    }
    out
}

/// A number written `DD.MM.YY NNNNN` starting at `i` (where a run of two digits starts): the
/// position after it.
fn dotted(text: &[u8], i: usize) -> Option<usize> {
    let digit = |k: usize| text.get(k).is_some_and(u8::is_ascii_digit);
    let date = digit(i)
        && digit(i + 1)
        && text.get(i + 2) == Some(&b'.')
        && digit(i + 3)
        && digit(i + 4)
        && text.get(i + 5) == Some(&b'.')
        && digit(i + 6)
        && digit(i + 7);
    if !date {
        return None;
    }
    let mut k = i + 8;
    if matches!(text.get(k), Some(b' ' | b'-' | b'.')) {
        k += 1;
    }
    let personnummer = (k..k + 5).all(digit) && !digit(k + 5);
    personnummer.then_some(k + 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_becomes_the_same_masked_form() {
        let fnr = crate::ident::Fnr::parse("20914695016").unwrap();
        assert_eq!(digits("20914695016"), "209146 *****");
        assert_eq!(fnr.masked(), "209146 *****");
        assert_eq!(
            crate::ident::Identifier::Person(fnr.clone()).masked(),
            "209146 *****"
        );
        assert_eq!(
            crate::ident::Identifier::parse("991825827")
                .unwrap()
                .masked(),
            "991825827"
        );
        assert_eq!(input(" 2091469501x "), "209146 *****");
        assert_eq!(input("12345"), "*****");
        assert_eq!(input("1234"), "1234");
        assert_eq!(
            text(
                "lookup 20914695016, also 209146 95016 and 209146-95016; org 991825827, 123456789012 and 2026"
            ),
            "lookup 209146 *****, also 209146 ***** and 209146 *****; org 991825827, 123456789012 and 2026"
        );
        // Six digits and five that are part of longer runs are not a fødselsnummer.
        assert_eq!(text("123456 1234567"), "123456 1234567");
        assert_eq!(text("1234567 12345"), "1234567 12345");
        assert_eq!(text("år 2026 12345"), "år 2026 12345");
        assert_eq!(bytes(b"fnr=01813048589\n"), b"fnr=018130 *****\n");
        // With dots in the date.
        assert_eq!(
            text("født 20.09.14 95016, 20.09.14-95016 og 20.09.1495016"),
            "født 200914 *****, 200914 ***** og 200914 *****"
        );
        // A date alone, or with a longer number after it, is not a fødselsnummer.
        assert_eq!(text("møte 20.09.14 kl. 10"), "møte 20.09.14 kl. 10");
        assert_eq!(text("20.09.14 950161"), "20.09.14 950161");
    }
}
