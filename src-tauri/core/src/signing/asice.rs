//! The document bundle: an ASiC-E zip with the documents, `manifest.xml` and
//! `META-INF/signatures.xml` — one XAdES baseline B signature over every file, made with the
//! enterprise certificate (`shared/specs/esignering.md` §5).
//!
//! Cryptography is OpenSSL's (SHA-256, SHA-1 certificate digest, RSA PKCS#1 v1.5 with
//! SHA-256, X.509 chain checks); canonicalisation (inclusive C14N 1.0) is `xml-sec`'s; the zip
//! is the `zip` crate's. The verifier here is what the sandbox service runs on every bundle
//! it receives; the tests also check our bundles with `xmlsec1`.

use std::io::{Cursor, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use openssl::hash::{MessageDigest, hash};
use openssl::pkey::{PKey, Private};
use openssl::sign::{Signer, Verifier};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509StoreContext};

use super::model::Job;
use super::xml::{escape, manifest};

const NS_ASIC: &str = "http://uri.etsi.org/2918/v1.2.1#";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// The bundle's signature could not be made or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Signing failed (key, certificate or OpenSSL).
    #[error("the document bundle cannot be signed: {0}")]
    Sign(String),
    /// The zip cannot be written or read.
    #[error("the document bundle is not a readable zip: {0}")]
    Zip(String),
    /// The signature does not hold (the text says what).
    #[error("the document bundle's signature does not hold: {0}")]
    Invalid(String),
}

/// The signing certificate: key and chain, leaf first, up to and including the root.
#[derive(Clone)]
pub struct SigningCertificate {
    /// The private key.
    pub key: PKey<Private>,
    /// Leaf first.
    pub chain: Vec<X509>,
}

impl std::fmt::Debug for SigningCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCertificate")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl SigningCertificate {
    /// Reads a PKCS#12 (.p12) enterprise certificate with its chain.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, BundleError> {
        let pkcs12 = openssl::pkcs12::Pkcs12::from_der(der)
            .map_err(|_| BundleError::Sign("the file is not a PKCS#12 certificate".into()))?;
        let parsed = pkcs12.parse2(password).or_else(|_| {
            let _legacy = openssl::provider::Provider::try_load(None, "legacy", true);
            pkcs12.parse2(password)
        });
        let parsed =
            parsed.map_err(|_| BundleError::Sign("the certificate password is wrong".into()))?;
        let key = parsed
            .pkey
            .ok_or_else(|| BundleError::Sign("the certificate file holds no key".into()))?;
        let leaf = parsed
            .cert
            .ok_or_else(|| BundleError::Sign("the certificate file holds no certificate".into()))?;
        let mut chain = vec![leaf];
        if let Some(ca) = parsed.ca {
            chain.extend(ca);
        }
        Ok(Self { key, chain })
    }
}

fn sign_error(e: impl std::fmt::Display) -> BundleError {
    BundleError::Sign(e.to_string())
}

fn invalid(text: impl Into<String>) -> BundleError {
    BundleError::Invalid(text.into())
}

fn sha256_b64(bytes: &[u8]) -> Result<String, BundleError> {
    Ok(STANDARD.encode(hash(MessageDigest::sha256(), bytes).map_err(sign_error)?))
}

/// A file name as a reference URI (percent-encoded; our names are `[0-9a-z._-]` already).
fn uri_for(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn uri_decode(uri: &str) -> String {
    form_urlencoded::parse(format!("x={}", uri.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Inclusive C14N 1.0 of the element whose `Id` (or, failing that, local name) is `id`,
/// with the namespaces it inherits.
pub fn canonical_element(xml: &str, local_name: &str) -> Result<Vec<u8>, BundleError> {
    let doc = xml_sec::Document::parse(xml).map_err(|e| invalid(e.to_string()))?;
    let apex = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local_name)
        .ok_or_else(|| invalid(format!("<{local_name}> is missing")))?
        .id();
    let in_subtree =
        |node: xml_sec::Node<'_, '_>| node.id() == apex || node.ancestors().any(|a| a.id() == apex);
    let algorithm = xml_sec::c14n::C14nAlgorithm::new(xml_sec::c14n::C14nMode::Inclusive1_0, false);
    let mut out = Vec::new();
    xml_sec::c14n::canonicalize(&doc, Some(&in_subtree), &algorithm, &mut out)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(out)
}

struct Reference {
    uri: String,
    digest: String,
    mime: &'static str,
}

fn render(
    references: &[Reference],
    signed_properties: &str,
    signed_properties_digest: &str,
    signature_value: &str,
    chain: &[String],
) -> String {
    let mut x = String::from(r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#);
    x.push_str(&format!(r#"<XAdESSignatures xmlns="{NS_ASIC}">"#));
    x.push_str(&format!(r#"<Signature xmlns="{NS_DSIG}" Id="Signature">"#));
    x.push_str(&signed_info(references, signed_properties_digest));
    x.push_str(&format!(
        "<SignatureValue>{signature_value}</SignatureValue>"
    ));
    x.push_str("<KeyInfo><X509Data>");
    for certificate in chain {
        x.push_str(&format!("<X509Certificate>{certificate}</X509Certificate>"));
    }
    x.push_str("</X509Data></KeyInfo>");
    x.push_str(&format!(
        r##"<Object><QualifyingProperties xmlns="{NS_XADES}" xmlns:ns2="{NS_DSIG}" Target="#Signature">{signed_properties}</QualifyingProperties></Object>"##
    ));
    x.push_str("</Signature></XAdESSignatures>");
    x
}

fn signed_info(references: &[Reference], signed_properties_digest: &str) -> String {
    let mut x = String::from("<SignedInfo>");
    x.push_str(&format!(r#"<CanonicalizationMethod Algorithm="{C14N}"/>"#));
    x.push_str(&format!(r#"<SignatureMethod Algorithm="{RSA_SHA256}"/>"#));
    for (i, r) in references.iter().enumerate() {
        x.push_str(&format!(
            r#"<Reference Id="ID_{i}" URI="{}"><DigestMethod Algorithm="{SHA256}"/><DigestValue>{}</DigestValue></Reference>"#,
            escape(&r.uri),
            r.digest
        ));
    }
    x.push_str(&format!(
        r##"<Reference Type="{SIGNED_PROPERTIES_TYPE}" URI="#SignedProperties"><Transforms><Transform Algorithm="{C14N}"/></Transforms><DigestMethod Algorithm="{SHA256}"/><DigestValue>{signed_properties_digest}</DigestValue></Reference>"##
    ));
    x.push_str("</SignedInfo>");
    x
}

fn signed_properties(
    references: &[Reference],
    certificate: &X509,
    signing_time: DateTime<Utc>,
) -> Result<String, BundleError> {
    let cert_digest = STANDARD.encode(
        certificate
            .digest(MessageDigest::sha1())
            .map_err(sign_error)?,
    );
    let issuer = rfc2253(certificate.issuer_name());
    let serial = certificate
        .serial_number()
        .to_bn()
        .and_then(|bn| bn.to_dec_str().map(|s| s.to_string()))
        .map_err(sign_error)?;
    let mut x =
        String::from(r#"<SignedProperties Id="SignedProperties"><SignedSignatureProperties>"#);
    x.push_str(&format!(
        "<SigningTime>{}</SigningTime>",
        signing_time.to_rfc3339_opts(SecondsFormat::Millis, true)
    ));
    x.push_str(&format!(
        r#"<SigningCertificate><Cert><CertDigest><ns2:DigestMethod Algorithm="{SHA1}"/><ns2:DigestValue>{cert_digest}</ns2:DigestValue></CertDigest><IssuerSerial><ns2:X509IssuerName>{}</ns2:X509IssuerName><ns2:X509SerialNumber>{serial}</ns2:X509SerialNumber></IssuerSerial></Cert></SigningCertificate>"#,
        escape(&issuer)
    ));
    x.push_str("</SignedSignatureProperties><SignedDataObjectProperties>");
    for (i, r) in references.iter().enumerate() {
        x.push_str(&format!(
            r##"<DataObjectFormat ObjectReference="#ID_{i}"><MimeType>{}</MimeType></DataObjectFormat>"##,
            r.mime
        ));
    }
    x.push_str("</SignedDataObjectProperties></SignedProperties>");
    Ok(x)
}

/// An X.509 name as RFC 2253 text (most specific first), e.g. `CN=…,O=…,C=NO`, the way a
/// Java verifier (the service's) parses it: its keywords where it has one, and any other
/// attribute — such as `organizationIdentifier` (2.5.4.97) in eIDAS certificates — as the
/// dotted OID with the value's DER in hex (RFC 2253 §2.4).
fn rfc2253(name: &openssl::x509::X509NameRef) -> String {
    let der = name.to_der().unwrap_or_default();
    let mut parts: Vec<String> = name
        .entries()
        .map(|e| {
            let keyword = match e.object().nid().short_name().unwrap_or("") {
                "CN" => Some("CN"),
                "C" => Some("C"),
                "L" => Some("L"),
                "ST" => Some("ST"),
                "O" => Some("O"),
                "OU" => Some("OU"),
                "street" => Some("STREET"),
                "DC" => Some("DC"),
                "UID" => Some("UID"),
                "serialNumber" => Some("SERIALNUMBER"),
                "GN" => Some("GIVENNAME"),
                "SN" => Some("SURNAME"),
                _ => None,
            };
            match keyword {
                Some(keyword) => {
                    let value = e.data().to_string().unwrap_or_default();
                    let mut escaped = String::new();
                    for (i, c) in value.chars().enumerate() {
                        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                            || (i == 0 && (c == '#' || c == ' '))
                        {
                            escaped.push('\\');
                        }
                        escaped.push(c);
                    }
                    if escaped.ends_with(' ') {
                        escaped.insert(escaped.len() - 1, '\\');
                    }
                    format!("{keyword}={escaped}")
                }
                None => {
                    let name = e.object().to_string();
                    let oid = match name.as_str() {
                        "organizationIdentifier" => "2.5.4.97".to_owned(),
                        "emailAddress" => "1.2.840.113549.1.9.1".to_owned(),
                        "title" => "2.5.4.12".to_owned(),
                        "description" => "2.5.4.13".to_owned(),
                        other => other.to_owned(),
                    };
                    match attribute_value_der(&der, &oid) {
                        Some(raw) => {
                            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                            format!("{oid}=#{hex}")
                        }
                        // An attribute not listed above: OpenSSL's name for it.
                        None => format!("{name}={}", e.data().to_string().unwrap_or_default()),
                    }
                }
            }
        })
        .collect();
    parts.reverse();
    parts.join(",")
}

/// The DER of the value (tag, length, bytes) that follows the attribute type `oid` in a
/// Name's DER.
fn attribute_value_der(name_der: &[u8], oid: &str) -> Option<Vec<u8>> {
    let numbers: Vec<u64> = oid
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let (first, rest) = numbers.split_first()?;
    let (second, rest) = rest.split_first()?;
    let mut body = vec![u8::try_from(first * 40 + second).ok()?];
    for n in rest {
        let mut chunk = vec![(n & 0x7f) as u8];
        let mut v = n >> 7;
        while v > 0 {
            chunk.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    let mut pattern = vec![0x06, u8::try_from(body.len()).ok()?];
    pattern.extend(body);
    let at = name_der
        .windows(pattern.len())
        .position(|w| w == pattern.as_slice())?
        + pattern.len();
    let (_tag, after) = name_der.get(at..)?.split_first()?;
    let (&first_len, after) = after.split_first()?;
    let (length, header) = match first_len {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(*after.first()?), 3),
        0x82 => (
            usize::from(*after.first()?) << 8 | usize::from(*after.get(1)?),
            4,
        ),
        _ => return None,
    };
    name_der.get(at..at + header + length).map(<[u8]>::to_vec)
}

/// `META-INF/signatures.xml` over `files` (name, bytes, mime), signed with `certificate` at
/// `signing_time`.
pub fn signatures_xml(
    files: &[(&str, &[u8], &'static str)],
    certificate: &SigningCertificate,
    signing_time: DateTime<Utc>,
) -> Result<String, BundleError> {
    let leaf = certificate
        .chain
        .first()
        .ok_or_else(|| BundleError::Sign("no certificate".into()))?;
    let references = files
        .iter()
        .map(|(name, bytes, mime)| {
            Ok(Reference {
                uri: uri_for(name),
                digest: sha256_b64(bytes)?,
                mime,
            })
        })
        .collect::<Result<Vec<_>, BundleError>>()?;
    let chain = certificate
        .chain
        .iter()
        .map(|c| c.to_der().map(|d| STANDARD.encode(d)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(sign_error)?;
    let properties = signed_properties(&references, leaf, signing_time)?;

    // The digest of SignedProperties is taken in place, with the namespaces it inherits.
    let draft = render(&references, &properties, "", "", &chain);
    let properties_digest = sha256_b64(&canonical_element(&draft, "SignedProperties")?)?;
    let draft = render(&references, &properties, &properties_digest, "", &chain);
    let canonical_signed_info = canonical_element(&draft, "SignedInfo")?;
    let mut signer = Signer::new(MessageDigest::sha256(), &certificate.key).map_err(sign_error)?;
    signer.update(&canonical_signed_info).map_err(sign_error)?;
    let value = STANDARD.encode(signer.sign_to_vec().map_err(sign_error)?);
    Ok(render(
        &references,
        &properties,
        &properties_digest,
        &value,
        &chain,
    ))
}

/// The bundle for `job`: the documents (in order), `manifest.xml`, then
/// `META-INF/signatures.xml` — no `mimetype` and no `META-INF/manifest.xml`, as the official
/// clients write it.
pub fn bundle(
    job: &Job,
    certificate: &SigningCertificate,
    signing_time: DateTime<Utc>,
) -> Result<Vec<u8>, BundleError> {
    let manifest = manifest(job);
    let mut files: Vec<(&str, &[u8], &'static str)> = job
        .documents
        .iter()
        .map(|d| {
            let mime = if d.mime == "application/pdf" {
                "application/pdf"
            } else {
                "application/octet-stream"
            };
            (d.file_name.as_str(), d.bytes.as_slice(), mime)
        })
        .collect();
    files.push(("manifest.xml", manifest.as_bytes(), "application/xml"));
    let signatures = signatures_xml(&files, certificate, signing_time)?;

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zip_error = |e: zip::result::ZipError| BundleError::Zip(e.to_string());
    for (name, bytes, _) in &files {
        zip.start_file(*name, options).map_err(zip_error)?;
        zip.write_all(bytes)
            .map_err(|e| BundleError::Zip(e.to_string()))?;
    }
    zip.start_file("META-INF/signatures.xml", options)
        .map_err(zip_error)?;
    zip.write_all(signatures.as_bytes())
        .map_err(|e| BundleError::Zip(e.to_string()))?;
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// A bundle's files, by name, in zip order.
pub fn unzip(bundle: &[u8]) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bundle)).map_err(|e| BundleError::Zip(e.to_string()))?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| BundleError::Zip(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| BundleError::Zip(e.to_string()))?;
        let name = file
            .name()
            .map_err(|e| BundleError::Zip(e.to_string()))?
            .into_owned();
        files.push((name, bytes));
    }
    Ok(files)
}

/// What a verified bundle holds.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The files outside `META-INF`, in zip order.
    pub files: Vec<(String, Vec<u8>)>,
    /// The signer's certificate.
    pub signer: X509,
    /// `SigningTime`.
    pub signing_time: DateTime<Utc>,
}

fn find<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn element_text(node: roxmltree::Node, name: &str) -> Option<String> {
    find(node, name).map(|n| n.text().unwrap_or("").split_whitespace().collect())
}

/// Checks a bundle as the service does: every file outside `META-INF` is referenced once with
/// a matching SHA-256 digest and nothing else is, the algorithms are the required ones,
/// `SignedProperties` is digested, the RSA-SHA256 signature over `SignedInfo` holds for the
/// certificate named in `SigningCertificate`, and that certificate chains (with the
/// certificates in `KeyInfo`) to `trust` at `now`.
pub fn verify(
    bundle: &[u8],
    trust: &[X509],
    now: DateTime<Utc>,
) -> Result<VerifiedBundle, BundleError> {
    let all = unzip(bundle)?;
    if all.iter().any(|(name, _)| name == "META-INF/manifest.xml") {
        return Err(invalid("META-INF/manifest.xml must not be in the bundle"));
    }
    let signatures = all
        .iter()
        .find(|(name, _)| name == "META-INF/signatures.xml")
        .ok_or_else(|| invalid("META-INF/signatures.xml is missing"))?;
    let xml =
        std::str::from_utf8(&signatures.1).map_err(|_| invalid("signatures.xml is not UTF-8"))?;
    let files: Vec<(String, Vec<u8>)> = all
        .iter()
        .filter(|(name, _)| !name.starts_with("META-INF/"))
        .cloned()
        .collect();

    let doc = roxmltree::Document::parse(xml).map_err(|e| invalid(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(NS_ASIC) || root.tag_name().name() != "XAdESSignatures" {
        return Err(invalid("the root is not asic:XAdESSignatures"));
    }
    let signed_info = find(root, "SignedInfo").ok_or_else(|| invalid("no SignedInfo"))?;
    let algorithm = |name: &str| {
        find(signed_info, name)
            .and_then(|n| n.attribute("Algorithm"))
            .unwrap_or_default()
            .to_owned()
    };
    if algorithm("SignatureMethod") != RSA_SHA256 {
        return Err(invalid("the signature method is not RSA-SHA256"));
    }
    let c14n = algorithm("CanonicalizationMethod");
    if c14n != C14N && c14n != "http://www.w3.org/2006/12/xml-c14n11" {
        return Err(invalid(format!("canonicalisation {c14n} is not allowed")));
    }
    if c14n != C14N {
        return Err(invalid("C14N 1.1 is not supported by this verifier"));
    }

    let mut covered = Vec::new();
    let mut signed_properties_checked = false;
    for reference in signed_info
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "Reference")
    {
        let uri = reference.attribute("URI").unwrap_or_default();
        let method = find(reference, "DigestMethod")
            .and_then(|n| n.attribute("Algorithm"))
            .unwrap_or_default();
        if method != SHA256 {
            return Err(invalid(format!("reference {uri}: digest is not SHA-256")));
        }
        let expected = element_text(reference, "DigestValue").unwrap_or_default();
        if reference.attribute("Type") == Some(SIGNED_PROPERTIES_TYPE) {
            if uri != "#SignedProperties" {
                return Err(invalid("the SignedProperties reference has another URI"));
            }
            let actual = sha256_b64(&canonical_element(xml, "SignedProperties")?)
                .map_err(|e| invalid(e.to_string()))?;
            if actual != expected {
                return Err(invalid("SignedProperties was changed after signing"));
            }
            signed_properties_checked = true;
            continue;
        }
        if find(reference, "Transforms").is_some() {
            return Err(invalid(format!(
                "reference {uri}: file references take no transforms"
            )));
        }
        let name = uri_decode(uri);
        let (_, bytes) = files
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| invalid(format!("reference {uri} is not a file in the bundle")))?;
        if sha256_b64(bytes).map_err(|e| invalid(e.to_string()))? != expected {
            return Err(invalid(format!(
                "{name} was changed after signing (digest differs)"
            )));
        }
        covered.push(name);
    }
    if !signed_properties_checked {
        return Err(invalid("SignedProperties is not signed"));
    }
    for (name, _) in &files {
        if covered.iter().filter(|c| *c == name).count() != 1 {
            return Err(invalid(format!(
                "{name} is not covered by the signature once"
            )));
        }
    }

    // The certificates in KeyInfo, and the one SigningCertificate names.
    let certificates = root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "X509Certificate")
        .map(|n| {
            let b64: String = n.text().unwrap_or("").split_whitespace().collect();
            STANDARD
                .decode(b64)
                .ok()
                .and_then(|der| X509::from_der(&der).ok())
                .ok_or_else(|| invalid("a certificate in KeyInfo cannot be read"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let properties =
        find(root, "SignedProperties").ok_or_else(|| invalid("no SignedProperties"))?;
    let cert_digest = find(properties, "CertDigest")
        .and_then(|n| element_text(n, "DigestValue"))
        .ok_or_else(|| invalid("SigningCertificate has no CertDigest"))?;
    let signer = certificates
        .iter()
        .find(|c| {
            c.digest(MessageDigest::sha1())
                .map(|d| STANDARD.encode(d) == cert_digest)
                .unwrap_or(false)
        })
        .cloned()
        .ok_or_else(|| invalid("SigningCertificate names no certificate in KeyInfo"))?;
    let signing_time = element_text(properties, "SigningTime")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| invalid("SigningTime is missing or not a date-time"))?;

    let value = element_text(root, "SignatureValue").unwrap_or_default();
    let value = STANDARD
        .decode(value)
        .map_err(|_| invalid("SignatureValue is not base64"))?;
    let public = signer.public_key().map_err(|e| invalid(e.to_string()))?;
    let mut verifier =
        Verifier::new(MessageDigest::sha256(), &public).map_err(|e| invalid(e.to_string()))?;
    verifier
        .update(&canonical_element(xml, "SignedInfo")?)
        .map_err(|e| invalid(e.to_string()))?;
    if !verifier.verify(&value).unwrap_or(false) {
        return Err(invalid("the signature value does not match SignedInfo"));
    }

    let mut store = X509StoreBuilder::new().map_err(|e| invalid(e.to_string()))?;
    for anchor in trust {
        store
            .add_cert(anchor.clone())
            .map_err(|e| invalid(e.to_string()))?;
    }
    let mut param =
        openssl::x509::verify::X509VerifyParam::new().map_err(|e| invalid(e.to_string()))?;
    param.set_time(now.timestamp());
    store
        .set_param(&param)
        .map_err(|e| invalid(e.to_string()))?;
    let store = store.build();
    let mut untrusted = Stack::new().map_err(|e| invalid(e.to_string()))?;
    for c in &certificates {
        untrusted
            .push(c.clone())
            .map_err(|e| invalid(e.to_string()))?;
    }
    let mut context = X509StoreContext::new().map_err(|e| invalid(e.to_string()))?;
    let chained = context
        .init(&store, &signer, &untrusted, |c| {
            let ok = c.verify_cert()?;
            Ok(ok.then_some(()).ok_or(c.error()))
        })
        .map_err(|e| invalid(e.to_string()))?;
    if let Err(e) = chained {
        return Err(invalid(format!("the certificate is not trusted: {e}")));
    }
    Ok(VerifiedBundle {
        files,
        signer,
        signing_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eidas_issuer_name_is_written_as_a_java_verifier_reads_it() {
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("C", "NO").unwrap();
        name.append_entry_by_text("O", "Buypass AS, test").unwrap();
        name.append_entry_by_text("organizationIdentifier", "NTRNO-983163327")
            .unwrap();
        name.append_entry_by_text("CN", "Buypass Class 3 Test4 CA G2 ST Business")
            .unwrap();
        let text = rfc2253(&name.build());
        let (first, rest) = text.split_once(',').unwrap();
        assert_eq!(first, "CN=Buypass Class 3 Test4 CA G2 ST Business");
        let (oid, rest) = rest.split_once(',').unwrap();
        let hex = oid
            .strip_prefix("2.5.4.97=#")
            .expect("the OID with the value's DER");
        let der: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(&der[2..], b"NTRNO-983163327");
        assert_eq!(usize::from(der[1]), der.len() - 2);
        assert_eq!(rest, "O=Buypass AS\\, test,C=NO");
    }
}
