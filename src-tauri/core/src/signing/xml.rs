//! The service's XML (namespace `http://signering.posten.no/schema/v1`): the requests and
//! manifests we write, element for element in schema order (`shared/specs/esignering.md`
//! §6), and the responses we read. Reading is tolerant: unknown elements are skipped and
//! unknown status values kept.

use chrono::{DateTime, FixedOffset, SecondsFormat};

use super::model::{
    CreatedJob, DirectSigner, Flow, Job, JobStatus, Notifications, SignatureStatus, Signer,
    SignerIdentity, SignerRef, SignerStatus, StatusChange,
};

/// The schema's namespace.
pub const NS: &str = "http://signering.posten.no/schema/v1";

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// Escapes text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("<{name}>{}</{name}>", escape(text)));
}

fn optional(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(text) = text {
        element(out, name, text);
    }
}

/// The job request: `portal-signature-job-request` or `direct-signature-job-request`
/// (multipart part 1).
pub fn job_request(job: &Job) -> String {
    let mut x = String::from(HEADER);
    match job.flow {
        Flow::Portal => {
            x.push_str(&format!(r#"<portal-signature-job-request xmlns="{NS}">"#));
            optional(&mut x, "reference", job.reference.as_deref());
            optional(&mut x, "polling-queue", job.polling_queue.as_deref());
            x.push_str("</portal-signature-job-request>");
        }
        Flow::Direct => {
            x.push_str(&format!(r#"<direct-signature-job-request xmlns="{NS}">"#));
            optional(&mut x, "reference", job.reference.as_deref());
            x.push_str("<exit-urls>");
            if let Some(urls) = &job.exit_urls {
                element(&mut x, "completion-url", &urls.completion_url);
                element(&mut x, "rejection-url", &urls.rejection_url);
                element(&mut x, "error-url", &urls.error_url);
            }
            x.push_str("</exit-urls>");
            // Statuses come by polling: the app has no web server for callbacks.
            element(&mut x, "status-retrieval-method", "POLLING");
            optional(&mut x, "polling-queue", job.polling_queue.as_deref());
            x.push_str("</direct-signature-job-request>");
        }
    }
    x
}

fn signer_identity(x: &mut String, signer: &Signer) {
    match &signer.identity {
        SignerIdentity::Person(fnr) => element(x, "personal-identification-number", fnr.expose()),
        SignerIdentity::ContactInformation => x.push_str("<identified-by-contact-information/>"),
        SignerIdentity::Custom(id) => element(x, "signer-identifier", id),
    }
}

fn portal_signer(x: &mut String, signer: &Signer) {
    match signer.order {
        Some(order) => x.push_str(&format!(r#"<signer order="{order}">"#)),
        None => x.push_str("<signer>"),
    }
    signer_identity(x, signer);
    if let Some(t) = signer.signature_type {
        element(x, "signature-type", t.xml());
    }
    match &signer.notifications {
        Some(Notifications::Lookup { sms }) => {
            x.push_str("<notifications-using-lookup><email/>");
            if *sms {
                x.push_str("<sms/>");
            }
            x.push_str("</notifications-using-lookup>");
        }
        Some(Notifications::Explicit { email, mobile }) => {
            x.push_str("<notifications>");
            if let Some(email) = email {
                x.push_str(&format!(r#"<email address="{}"/>"#, escape(email)));
            }
            if let Some(mobile) = mobile {
                x.push_str(&format!(r#"<sms number="{}"/>"#, escape(mobile)));
            }
            x.push_str("</notifications>");
        }
        // Refused by `Job::validate`; an empty notifications element would fail the schema.
        None => {}
    }
    if let Some(b) = signer.on_behalf_of {
        element(x, "on-behalf-of", b.xml());
    }
    x.push_str("</signer>");
}

fn direct_signer(x: &mut String, signer: &Signer) {
    x.push_str("<signer>");
    signer_identity(x, signer);
    if let Some(t) = signer.signature_type {
        element(x, "signature-type", t.xml());
    }
    if let Some(b) = signer.on_behalf_of {
        element(x, "on-behalf-of", b.xml());
    }
    x.push_str("</signer>");
}

/// `manifest.xml` of the bundle: `portal-signature-job-manifest` or
/// `direct-signature-job-manifest`, with the current multi-document layout.
pub fn manifest(job: &Job) -> String {
    let root = match job.flow {
        Flow::Portal => "portal-signature-job-manifest",
        Flow::Direct => "direct-signature-job-manifest",
    };
    let mut x = String::from(HEADER);
    x.push_str(&format!(r#"<{root} xmlns="{NS}">"#));
    match job.flow {
        Flow::Portal => {
            x.push_str("<signers>");
            for s in &job.signers {
                portal_signer(&mut x, s);
            }
            x.push_str("</signers>");
        }
        Flow::Direct => {
            for s in &job.signers {
                direct_signer(&mut x, s);
            }
        }
    }
    x.push_str("<sender>");
    element(&mut x, "organization-number", &job.sender);
    x.push_str("</sender>");
    element(&mut x, "title", &job.title);
    if job.flow == Flow::Portal {
        optional(
            &mut x,
            "nonsensitive-title",
            job.nonsensitive_title.as_deref(),
        );
    }
    optional(&mut x, "description", job.description.as_deref());
    x.push_str("<documents>");
    for d in &job.documents {
        x.push_str(&format!(
            r#"<document href="{}" mime="{}">"#,
            escape(&d.file_name),
            escape(&d.mime)
        ));
        element(&mut x, "title", &d.title);
        x.push_str("</document>");
    }
    x.push_str("</documents>");
    if let Some(level) = job.required_authentication {
        element(&mut x, "required-authentication", level.xml());
    }
    if job.flow == Flow::Portal
        && (job.activation_time.is_some() || job.available_seconds.is_some())
    {
        x.push_str("<availability>");
        if let Some(at) = job.activation_time {
            element(
                &mut x,
                "activation-time",
                &at.to_rfc3339_opts(SecondsFormat::Secs, false),
            );
        }
        if let Some(seconds) = job.available_seconds {
            element(&mut x, "available-seconds", &seconds.to_string());
        }
        x.push_str("</availability>");
    }
    if let Some(id) = job.identifier_in_signed_documents {
        element(&mut x, "identifier-in-signed-documents", id.xml());
    }
    x.push_str(&format!("</{root}>"));
    x
}

/// `direct-signer-update-request`: asks for a new redirect URL.
pub fn direct_signer_update_request() -> String {
    format!(
        r#"{HEADER}<direct-signer-update-request xmlns="{NS}"><redirect-url/></direct-signer-update-request>"#
    )
}

/// The service's `<error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// `error-code`, e.g. `SCHEMA_VALIDATION_ERROR`.
    pub code: String,
    /// `error-message`.
    pub message: String,
    /// `error-type`, e.g. `CLIENT`.
    pub error_type: String,
}

/// A response that is not what the schema says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signing service's answer cannot be read: {0}")]
pub struct MalformedResponse(pub String);

fn malformed(text: impl Into<String>) -> MalformedResponse {
    MalformedResponse(text.into())
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn parse(xml: &str) -> Result<roxmltree::Document<'_>, MalformedResponse> {
    roxmltree::Document::parse(xml).map_err(|e| malformed(e.to_string()))
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

fn text(node: Node, name: &'static str) -> Option<String> {
    child(node, name).map(|n| n.text().unwrap_or("").trim().to_owned())
}

fn required(node: Node, name: &'static str) -> Result<String, MalformedResponse> {
    text(node, name).ok_or_else(|| malformed(format!("<{name}> is missing")))
}

fn root<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    name: &str,
) -> Result<Node<'a, 'i>, MalformedResponse> {
    let root = doc.root_element();
    if root.tag_name().name() != name {
        return Err(malformed(format!(
            "expected <{name}>, got <{}>",
            root.tag_name().name()
        )));
    }
    Ok(root)
}

fn job_id(node: Node) -> Result<i64, MalformedResponse> {
    required(node, "signature-job-id")?
        .parse()
        .map_err(|_| malformed("<signature-job-id> is not a number"))
}

/// Reads an `<error>` body; `None` when the body is not one.
pub fn parse_error(xml: &str) -> Option<ServiceError> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "error" {
        return None;
    }
    Some(ServiceError {
        code: text(root, "error-code").unwrap_or_default(),
        // The service may quote what it refused (a signer's number): masked as it is read.
        message: crate::mask::text(&text(root, "error-message").unwrap_or_default()),
        error_type: text(root, "error-type").unwrap_or_default(),
    })
}

/// Reads `portal-signature-job-response`.
pub fn parse_portal_response(xml: &str) -> Result<CreatedJob, MalformedResponse> {
    let doc = parse(xml)?;
    let root = root(&doc, "portal-signature-job-response")?;
    Ok(CreatedJob {
        job_id: job_id(root)?,
        reference: text(root, "reference"),
        cancellation_url: Some(required(root, "cancellation-url")?),
        status_url: None,
        signers: Vec::new(),
    })
}

fn signer_ref(node: Node) -> Option<SignerRef> {
    if let Some(pin) = text(node, "personal-identification-number") {
        return Some(SignerRef::Person(pin));
    }
    if let Some(id) = text(node, "signer-identifier") {
        return Some(SignerRef::Custom(id));
    }
    let identifier = child(node, "identifier")?;
    Some(SignerRef::Contact {
        email: child(identifier, "email")
            .and_then(|e| e.attribute("address"))
            .map(str::to_owned),
        mobile: child(identifier, "sms")
            .and_then(|e| e.attribute("number"))
            .map(str::to_owned),
    })
}

/// Reads `direct-signature-job-response`.
pub fn parse_direct_response(xml: &str) -> Result<CreatedJob, MalformedResponse> {
    let doc = parse(xml)?;
    let root = root(&doc, "direct-signature-job-response")?;
    let signers = children(root, "signer")
        .map(|s| {
            Ok(DirectSigner {
                signer: signer_ref(s).ok_or_else(|| malformed("a <signer> names nobody"))?,
                href: s
                    .attribute("href")
                    .ok_or_else(|| malformed("a <signer> has no href"))?
                    .to_owned(),
                redirect_url: required(s, "redirect-url")?,
            })
        })
        .collect::<Result<Vec<_>, MalformedResponse>>()?;
    Ok(CreatedJob {
        job_id: job_id(root)?,
        reference: text(root, "reference"),
        cancellation_url: None,
        status_url: text(root, "status-url"),
        signers,
    })
}

/// Reads `direct-signer-response`: the signer's new redirect URL.
pub fn parse_direct_signer_response(xml: &str) -> Result<DirectSigner, MalformedResponse> {
    let doc = parse(xml)?;
    let root = root(&doc, "direct-signer-response")?;
    Ok(DirectSigner {
        signer: signer_ref(root).ok_or_else(|| malformed("the response names nobody"))?,
        href: root.attribute("href").unwrap_or_default().to_owned(),
        redirect_url: required(root, "redirect-url")?,
    })
}

fn since(node: Node) -> Result<DateTime<FixedOffset>, MalformedResponse> {
    let value = node
        .attribute("since")
        .ok_or_else(|| malformed("a <status> has no since"))?;
    DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| malformed(format!("since «{value}» is not a date-time")))
}

/// Reads a status: `portal-signature-job-status-change-response` or
/// `direct-signature-job-status-response`.
pub fn parse_status(xml: &str) -> Result<StatusChange, MalformedResponse> {
    let doc = parse(xml)?;
    let root = doc.root_element();
    match root.tag_name().name() {
        "portal-signature-job-status-change-response" => {
            let signatures_node =
                child(root, "signatures").ok_or_else(|| malformed("<signatures> is missing"))?;
            let signatures = children(signatures_node, "signature")
                .map(|s| {
                    let status = child(s, "status").ok_or_else(|| malformed("no <status>"))?;
                    Ok(SignatureStatus {
                        signer: signer_ref(s)
                            .ok_or_else(|| malformed("a <signature> names nobody"))?,
                        status: SignerStatus::parse(status.text().unwrap_or("")),
                        since: since(status)?,
                        xades_url: text(s, "xades-url"),
                    })
                })
                .collect::<Result<Vec<_>, MalformedResponse>>()?;
            Ok(StatusChange {
                flow: Flow::Portal,
                job_id: job_id(root)?,
                reference: text(root, "reference"),
                status: JobStatus::parse(&required(root, "status")?),
                signatures,
                confirmation_url: text(root, "confirmation-url"),
                cancellation_url: text(root, "cancellation-url"),
                delete_documents_url: text(root, "delete-documents-url"),
                pades_url: text(signatures_node, "pades-url"),
            })
        }
        "direct-signature-job-status-response" => {
            let xades: Vec<(String, String)> = children(root, "xades-url")
                .map(|n| {
                    (
                        n.attribute("signer").unwrap_or_default().to_owned(),
                        n.text().unwrap_or("").trim().to_owned(),
                    )
                })
                .collect();
            let signatures = children(root, "status")
                .map(|s| {
                    let who = s.attribute("signer").unwrap_or_default().to_owned();
                    let signer = if who.len() == 11 && who.bytes().all(|b| b.is_ascii_digit()) {
                        SignerRef::Person(who.clone())
                    } else {
                        SignerRef::Custom(who.clone())
                    };
                    Ok(SignatureStatus {
                        signer,
                        status: SignerStatus::parse(s.text().unwrap_or("")),
                        since: since(s)?,
                        xades_url: xades
                            .iter()
                            .find(|(signer, _)| *signer == who)
                            .map(|(_, url)| url.clone()),
                    })
                })
                .collect::<Result<Vec<_>, MalformedResponse>>()?;
            Ok(StatusChange {
                flow: Flow::Direct,
                job_id: job_id(root)?,
                reference: text(root, "reference"),
                status: JobStatus::parse(&required(root, "signature-job-status")?),
                signatures,
                confirmation_url: text(root, "confirmation-url"),
                cancellation_url: None,
                delete_documents_url: text(root, "delete-documents-url"),
                pades_url: text(root, "pades-url"),
            })
        }
        other => Err(malformed(format!("<{other}> is not a status response"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/esignering-examples"
    );

    fn example(path: &str) -> String {
        std::fs::read_to_string(format!("{EXAMPLES}/{path}")).unwrap()
    }

    #[test]
    fn the_official_example_responses_are_read() {
        let created = parse_portal_response(&example("portal/response.xml")).unwrap();
        assert_eq!(created.job_id, 1);
        assert!(
            created
                .cancellation_url
                .unwrap()
                .ends_with("/portal/signature-jobs/1/cancel")
        );

        let status = parse_status(&example("portal/status-change-response.xml")).unwrap();
        assert_eq!(status.status, JobStatus::CompletedSuccessfully);
        assert_eq!(status.signatures.len(), 1);
        assert_eq!(status.signatures[0].status, SignerStatus::Signed);
        assert_eq!(
            status.signatures[0].signer,
            SignerRef::Person("12345678910".into())
        );
        assert!(
            status.pades_url.is_some(),
            "pades-url sits inside <signatures>"
        );

        let contact = parse_status(&example(
            "portal/status-change-response-signer-without-pin.xml",
        ))
        .unwrap();
        assert!(matches!(
            &contact.signatures[1].signer,
            SignerRef::Contact {
                email: Some(_),
                mobile: Some(_)
            }
        ));

        let direct =
            parse_direct_response(&example("direct/multiple_signers/response.xml")).unwrap();
        assert_eq!(direct.signers.len(), 2);
        let status = parse_status(&example("direct/multiple_signers/status-response.xml")).unwrap();
        assert_eq!(status.status, JobStatus::CompletedSuccessfully);
        assert!(status.signatures.iter().all(|s| s.xades_url.is_some()));
    }

    #[test]
    fn an_error_body_is_read_and_other_bodies_are_not_errors() {
        let e = parse_error(&format!(
            r#"<error xmlns="{NS}"><error-code>BROKER_NOT_AUTHORIZED</error-code><error-message>Broker is not authorized</error-message><error-type>CLIENT</error-type></error>"#
        ))
        .unwrap();
        assert_eq!(e.code, "BROKER_NOT_AUTHORIZED");
        assert!(parse_error("not xml").is_none());
        assert!(parse_error(&example("portal/response.xml")).is_none());
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"A&B <"c">"#), "A&amp;B &lt;&quot;c&quot;&gt;");
    }
}
