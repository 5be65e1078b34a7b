//! Validation against the signing service's official XSDs (`sandbox/xsd/`, copied unchanged),
//! with libxml2's schema validator — the same one `xmllint --schema` runs. No pure-Rust XSD
//! validator handled these schemas (patterns, choices, complex-content extensions) correctly
//! when tried, so this module binds the handful of libxml2 functions it needs; it is the only
//! `unsafe` code in the sandbox.
//!
//! The schemas include each other by relative path, so they are written to a private
//! temporary directory once and parsed from there. Parsing never touches the network
//! (`XML_PARSE_NONET`) and never expands external entities.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::{Mutex, OnceLock};

const SCHEMAS: [(&str, &str); 9] = [
    (
        "direct-and-portal.xsd",
        include_str!("../../xsd/direct-and-portal.xsd"),
    ),
    ("direct.xsd", include_str!("../../xsd/direct.xsd")),
    ("portal.xsd", include_str!("../../xsd/portal.xsd")),
    ("common.xsd", include_str!("../../xsd/common.xsd")),
    (
        "direct-legacy.xsd",
        include_str!("../../xsd/direct-legacy.xsd"),
    ),
    (
        "portal-legacy.xsd",
        include_str!("../../xsd/portal-legacy.xsd"),
    ),
    (
        "thirdparty/XAdES.xsd",
        include_str!("../../xsd/thirdparty/XAdES.xsd"),
    ),
    (
        "thirdparty/ts_102918v010201.xsd",
        include_str!("../../xsd/thirdparty/ts_102918v010201.xsd"),
    ),
    (
        "thirdparty/xmldsig-core-schema.xsd",
        include_str!("../../xsd/thirdparty/xmldsig-core-schema.xsd"),
    ),
];

#[repr(C)]
struct XmlError {
    domain: c_int,
    code: c_int,
    message: *const c_char,
    level: c_int,
    file: *const c_char,
    line: c_int,
}

type StructuredError = unsafe extern "C" fn(*mut c_void, *const XmlError);

#[link(name = "xml2")]
unsafe extern "C" {
    fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut c_void;
    fn xmlSchemaParse(ctxt: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeParserCtxt(ctxt: *mut c_void);
    fn xmlSchemaNewValidCtxt(schema: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeValidCtxt(ctxt: *mut c_void);
    fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut c_void,
        handler: StructuredError,
        data: *mut c_void,
    );
    fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut c_void,
        handler: StructuredError,
        data: *mut c_void,
    );
    fn xmlSchemaValidateDoc(ctxt: *mut c_void, doc: *mut c_void) -> c_int;
    fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut c_void;
    fn xmlFreeDoc(doc: *mut c_void);
}

const XML_PARSE_NONET: c_int = 1 << 11;
const XML_PARSE_NONOENT_DEFAULT: c_int = 0;

unsafe extern "C" fn collect(data: *mut c_void, error: *const XmlError) {
    if data.is_null() || error.is_null() {
        return;
    }
    // SAFETY: `data` is the `Vec<String>` passed below, alive for the call that reports;
    // `error` is libxml2's error, valid during the callback.
    let (messages, error) = unsafe { (&mut *(data as *mut Vec<String>), &*error) };
    if error.message.is_null() {
        return;
    }
    // SAFETY: libxml2's message is a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(error.message) }
        .to_string_lossy()
        .trim()
        .to_owned();
    messages.push(format!("line {}: {text}", error.line));
}

struct Schema(*mut c_void);
// SAFETY: a parsed xmlSchema is read-only; validation contexts are made per call, and calls
// are serialised by the mutex around the schema anyway.
unsafe impl Send for Schema {}

fn schema() -> Result<&'static Mutex<Schema>, String> {
    static SCHEMA: OnceLock<Result<Mutex<Schema>, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let dir = std::env::temp_dir()
                .join(format!("kommunepost-signing-xsd-{}", std::process::id()));
            std::fs::create_dir_all(dir.join("thirdparty")).map_err(|e| e.to_string())?;
            for (name, text) in SCHEMAS {
                std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
            }
            let path = CString::new(
                dir.join("direct-and-portal.xsd")
                    .to_string_lossy()
                    .as_bytes(),
            )
            .map_err(|e| e.to_string())?;
            let mut messages: Vec<String> = Vec::new();
            // SAFETY: plain libxml2 calls with valid pointers; the parser context is freed.
            let parsed = unsafe {
                let ctxt = xmlSchemaNewParserCtxt(path.as_ptr());
                if ctxt.is_null() {
                    return Err("cannot make a schema parser".to_owned());
                }
                xmlSchemaSetParserStructuredErrors(
                    ctxt,
                    collect,
                    &mut messages as *mut Vec<String> as *mut c_void,
                );
                let schema = xmlSchemaParse(ctxt);
                xmlSchemaFreeParserCtxt(ctxt);
                schema
            };
            let _ = std::fs::remove_dir_all(&dir);
            if parsed.is_null() {
                return Err(format!(
                    "the schemas cannot be read: {}",
                    messages.join("; ")
                ));
            }
            Ok(Mutex::new(Schema(parsed)))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Validates `xml` against `direct-and-portal.xsd`; the error lists libxml2's messages.
pub fn validate(xml: &[u8]) -> Result<(), String> {
    let schema = schema()?
        .lock()
        .map_err(|_| "schema lock poisoned".to_owned())?;
    let size = c_int::try_from(xml.len()).map_err(|_| "the document is too large".to_owned())?;
    let mut messages: Vec<String> = Vec::new();
    // SAFETY: `xml` outlives the parse; the document and the context are freed before
    // returning; the callback's data pointer outlives the validation.
    let outcome = unsafe {
        let doc = xmlReadMemory(
            xml.as_ptr() as *const c_char,
            size,
            c"request.xml".as_ptr(),
            std::ptr::null(),
            XML_PARSE_NONET | XML_PARSE_NONOENT_DEFAULT,
        );
        if doc.is_null() {
            return Err("the document is not well-formed XML".to_owned());
        }
        let ctxt = xmlSchemaNewValidCtxt(schema.0);
        if ctxt.is_null() {
            xmlFreeDoc(doc);
            return Err("cannot make a validation context".to_owned());
        }
        xmlSchemaSetValidStructuredErrors(
            ctxt,
            collect,
            &mut messages as *mut Vec<String> as *mut c_void,
        );
        let outcome = xmlSchemaValidateDoc(ctxt, doc);
        xmlSchemaFreeValidCtxt(ctxt);
        xmlFreeDoc(doc);
        outcome
    };
    match outcome {
        0 => Ok(()),
        _ if messages.is_empty() => Err(format!("schema validation failed ({outcome})")),
        _ => Err(messages.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::validate;

    const EXAMPLES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/esignering-examples"
    );

    #[test]
    fn the_official_examples_are_valid_and_broken_ones_are_not() {
        for example in [
            "portal/manifest.xml",
            "portal/request.xml",
            "portal/status-change-response.xml",
            "direct/manifest.xml",
            "direct/request.xml",
            "direct/multiple_signers/response.xml",
        ] {
            let xml = std::fs::read(format!("{EXAMPLES}/{example}")).unwrap();
            validate(&xml).unwrap_or_else(|e| panic!("{example}: {e}"));
        }
        let manifest = std::fs::read_to_string(format!("{EXAMPLES}/portal/manifest.xml")).unwrap();
        let broken = manifest.replace(
            "<organization-number>123456789<",
            "<organization-number>12345<",
        );
        let error = validate(broken.as_bytes()).unwrap_err();
        assert!(error.contains("organization-number"), "{error}");
        let misspelt = manifest
            .replace("<title>", "<titel>")
            .replace("</title>", "</titel>");
        assert!(validate(misspelt.as_bytes()).is_err());
        assert!(validate(b"<not-closed>").is_err());
    }
}
