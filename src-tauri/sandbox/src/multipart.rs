//! A small, strict reader of `multipart/form-data` bodies (RFC 7578), enough to take a
//! SvarUt send apart the way the real service does: parts in order, with their names and
//! file names.

/// One part of a multipart body.
#[derive(Debug)]
pub struct Part {
    /// The field name.
    pub name: Option<String>,
    /// The file name, for a file.
    pub filename: Option<String>,
    /// The part's `Content-Type`, when given.
    pub content_type: Option<String>,
    /// The content.
    pub body: Vec<u8>,
}

fn disposition_value(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("{key}=\""))? + key.len() + 2;
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_owned())
}

/// A small, strict multipart reader: `multipart/form-data` (RFC 7578) and
/// `multipart/mixed` (RFC 2046).
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .ok_or("Content-Type multipart/form-data med boundary mangler")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let finder = memchr::memmem::Finder::new(&delimiter);
    let find = |haystack: &[u8], from: usize| finder.find(&haystack[from..]).map(|p| p + from);
    let mut parts = Vec::new();
    let mut at = find(body, 0).ok_or("Ingen deler i multipart")?;
    loop {
        let after = at + delimiter.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let start = after + 2; // CRLF
        let next = find(body, start).ok_or("Multipart er ikke avsluttet")?;
        let part = &body[start..next.saturating_sub(2).max(start)];
        let split = memchr::memmem::find(part, b"\r\n\r\n").ok_or("En del mangler headere")?;
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let header = |name: &str| {
            head.lines()
                .find(|l| l.to_ascii_lowercase().starts_with(name))
                .map(|l| l[name.len()..].trim().to_owned())
        };
        // form-data parts always have a disposition (RFC 7578); multipart/mixed parts (the
        // signing service) may have none and are told apart by their Content-Type.
        let disposition = header("content-disposition:");
        parts.push(Part {
            name: disposition
                .as_deref()
                .and_then(|d| disposition_value(d, "name")),
            filename: disposition
                .as_deref()
                .and_then(|d| disposition_value(d, "filename")),
            content_type: header("content-type:"),
            body: part[split + 4..].to_vec(),
        });
        at = next;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_come_out_in_order_with_their_file_names() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"forsendelse\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--B\r\nContent-Disposition: form-data; name=\"filer_0\"; filename=\"a.pdf\"\r\n\r\n%PDF-1\r\n--B--\r\n";
        let parts = parse_multipart("multipart/form-data; boundary=B", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("forsendelse"));
        assert_eq!(parts[0].body, b"{}");
        assert_eq!(parts[1].filename.as_deref(), Some("a.pdf"));
        assert_eq!(parts[1].body, b"%PDF-1");
        assert!(parse_multipart("multipart/form-data", body).is_err());
    }
}
