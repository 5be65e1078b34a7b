//! The stand-in's API (`{base}/api/{org}/…`, §3 of the sheet), over mutual TLS.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use kommunepost_core::signing::asice;
use kommunepost_core::signing::model::{Flow, JobStatus, SignerStatus};
use kommunepost_core::signing::xml::{NS, escape};

use super::tls::ClientCertificate;
use super::{SandboxJob, SandboxSigner, SignerId, SigningDouble, pades, token, xsd};
use crate::multipart::parse_multipart;

const NEXT_POLL: &str = "X-Next-permitted-poll-time";

fn xml_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// The documented `<error>`. HTTP statuses for most codes are UNCONFIRMED (§12); the
/// stand-in uses 400 for the client's faults and 403 for authorisation.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    xml_response(
        status,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><error xmlns="{NS}"><error-code>{}</error-code><error-message>{}</error-message><error-type>CLIENT</error-type></error>"#,
            escape(code),
            escape(message)
        ),
    )
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, false)
}

impl SigningDouble {
    /// The API's routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/api/{org}", get(whoami))
            .route("/api/{org}/{flow}/signature-jobs", post(create).get(poll))
            .route(
                "/api/{org}/{flow}/signature-jobs/{id}/complete",
                post(confirm),
            )
            .route("/api/{org}/{flow}/signature-jobs/{id}/cancel", post(cancel))
            .route(
                "/api/{org}/{flow}/signature-jobs/{id}/pades",
                get(download_pades),
            )
            .route(
                "/api/{org}/{flow}/signature-jobs/{id}/xades/{signature}",
                get(download_xades),
            )
            .route(
                "/api/{org}/{flow}/signature-jobs/{id}/status",
                get(direct_status),
            )
            .route(
                "/api/{org}/{flow}/signature-jobs/{id}/signers/{signer}",
                post(new_redirect_url),
            )
            .with_state(self)
    }

    /// The certificate's organisation may use the API, for the organisation in the path;
    /// then the rate limit.
    fn authorise(&self, client: &ClientCertificate, org: &str) -> Result<(), Box<Response>> {
        let Some(cert_org) = client.org_number.as_deref() else {
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "NOT_AUTHORIZED",
                "The certificate carries no organization number",
            )));
        };
        if !self.allowed_senders.iter().any(|a| a == cert_org) {
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "NOT_AUTHORIZED",
                &format!("Organization {cert_org} is not allowed to use the API"),
            )));
        }
        if cert_org != org {
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "BROKER_NOT_AUTHORIZED",
                "Broker is not authorized",
            )));
        }
        if self.count_call(org).is_err() {
            return Err(Box::new(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("DoSFilter", "unavailable")],
                )
                    .into_response(),
            ));
        }
        Ok(())
    }

    fn job_url(&self, job: &SandboxJob) -> String {
        format!(
            "{}/{}/{}/signature-jobs/{}",
            self.api_base(),
            job.sender,
            job.flow.as_str(),
            job.id
        )
    }

    /// A direct signer's redirect URL: works once (then the signing page remembers the
    /// signer, as the real service's cookie does); a new one comes from the signer's `href`.
    fn redirect_url(&self, signer: &SandboxSigner) -> String {
        format!(
            "{}/redirect/{}",
            self.page_base(),
            self.new_redirect(&signer.token)
        )
    }

    fn pades_available(job: &SandboxJob) -> bool {
        job.signers.iter().any(|s| s.status == SignerStatus::Signed)
    }

    /// The job's status as the service reports it.
    pub(crate) fn status_xml(&self, job: &SandboxJob) -> String {
        let url = self.job_url(job);
        let mut x = String::from(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
        let reference = job
            .reference
            .as_deref()
            .map(|r| format!("<reference>{}</reference>", escape(r)))
            .unwrap_or_default();
        match job.flow {
            Flow::Portal => {
                x.push_str(&format!(
                    r#"<portal-signature-job-status-change-response xmlns="{NS}">{reference}<signature-job-id>{}</signature-job-id><status>{}</status><confirmation-url>{url}/complete</confirmation-url>"#,
                    job.id,
                    job.status.as_str()
                ));
                if job.status == JobStatus::InProgress {
                    x.push_str(&format!(
                        "<cancellation-url>{url}/cancel</cancellation-url>"
                    ));
                }
                x.push_str("<signatures>");
                for s in &job.signers {
                    x.push_str(&format!(
                        r#"<signature><status since="{}">{}</status>"#,
                        time(s.since),
                        s.status.as_str()
                    ));
                    match &s.who {
                        SignerId::Person(fnr) => x.push_str(&format!(
                            "<personal-identification-number>{fnr}</personal-identification-number>"
                        )),
                        SignerId::Contact { email, mobile } => {
                            x.push_str("<identifier>");
                            if let Some(e) = email {
                                x.push_str(&format!(r#"<email address="{}"/>"#, escape(e)));
                            }
                            if let Some(m) = mobile {
                                x.push_str(&format!(r#"<sms number="{}"/>"#, escape(m)));
                            }
                            x.push_str("</identifier>");
                        }
                        SignerId::Custom(_) => {}
                    }
                    if s.status == SignerStatus::Signed {
                        x.push_str(&format!(
                            "<xades-url>{url}/xades/{}</xades-url>",
                            s.signature_id
                        ));
                    }
                    x.push_str("</signature>");
                }
                if Self::pades_available(job) {
                    x.push_str(&format!("<pades-url>{url}/pades</pades-url>"));
                }
                x.push_str("</signatures></portal-signature-job-status-change-response>");
            }
            Flow::Direct => {
                x.push_str(&format!(
                    r#"<direct-signature-job-status-response xmlns="{NS}">{reference}<signature-job-id>{}</signature-job-id><signature-job-status>{}</signature-job-status>"#,
                    job.id,
                    job.status.as_str()
                ));
                let who = |s: &SandboxSigner| match &s.who {
                    SignerId::Person(f) | SignerId::Custom(f) => f.clone(),
                    SignerId::Contact { .. } => String::new(),
                };
                for s in &job.signers {
                    x.push_str(&format!(
                        r#"<status signer="{}" since="{}">{}</status>"#,
                        escape(&who(s)),
                        time(s.since),
                        s.status.as_str()
                    ));
                }
                x.push_str(&format!(
                    "<confirmation-url>{url}/complete</confirmation-url>"
                ));
                for s in job
                    .signers
                    .iter()
                    .filter(|s| s.status == SignerStatus::Signed)
                {
                    x.push_str(&format!(
                        r#"<xades-url signer="{}">{url}/xades/{}</xades-url>"#,
                        escape(&who(s)),
                        s.signature_id
                    ));
                }
                if Self::pades_available(job) {
                    x.push_str(&format!("<pades-url>{url}/pades</pades-url>"));
                }
                x.push_str("</direct-signature-job-status-response>");
            }
        }
        x
    }

    /// A request about one job: the caller may use the API, and the job is theirs.
    fn authorised_job(
        &self,
        client: &ClientCertificate,
        org: &str,
        flow: &str,
        id: i64,
    ) -> Result<SandboxJob, Box<Response>> {
        self.authorise(client, org)?;
        self.job_of(org, flow, id)
    }

    fn job_of(&self, org: &str, flow: &str, id: i64) -> Result<SandboxJob, Box<Response>> {
        self.job(id)
            .filter(|j| j.sender == org && j.flow.as_str() == flow)
            .ok_or_else(|| {
                Box::new(error(
                    StatusCode::NOT_FOUND,
                    "SIGNATURE_JOB_NOT_FOUND",
                    "No such signature job",
                ))
            })
    }
}

async fn whoami(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path(org): Path<String>,
) -> Response {
    if let Err(refused) = double.authorise(&client, &org) {
        return *refused;
    }
    (StatusCode::OK, format!("You are {org}")).into_response()
}

fn text_of<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .and_then(|c| c.text())
        .map(str::trim)
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

async fn create(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = double.authorise(&client, &org) {
        return *refused;
    }
    let Some(flow) = Flow::parse(&flow) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Unknown flow");
    };
    match check_and_accept(&double, &org, flow, &headers, &body) {
        Ok(job) => {
            let delay = double.create_delay();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let url = double.job_url(&job);
            let reference = job
                .reference
                .as_deref()
                .map(|r| format!("<reference>{}</reference>", escape(r)))
                .unwrap_or_default();
            let xml = match flow {
                Flow::Portal => format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><portal-signature-job-response xmlns="{NS}">{reference}<signature-job-id>{}</signature-job-id><cancellation-url>{url}/cancel</cancellation-url></portal-signature-job-response>"#,
                    job.id
                ),
                Flow::Direct => {
                    let mut x = format!(
                        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><direct-signature-job-response xmlns="{NS}">{reference}<signature-job-id>{}</signature-job-id>"#,
                        job.id
                    );
                    // Deprecated but required (minOccurs 1): one per signer.
                    for s in &job.signers {
                        let who = match &s.who {
                            SignerId::Person(f) | SignerId::Custom(f) => f.clone(),
                            SignerId::Contact { .. } => String::new(),
                        };
                        x.push_str(&format!(
                            r#"<redirect-url signer="{}">{}</redirect-url>"#,
                            escape(&who),
                            double.redirect_url(s)
                        ));
                    }
                    if !job.polling {
                        x.push_str(&format!("<status-url>{url}/status</status-url>"));
                    }
                    for s in &job.signers {
                        x.push_str(&format!(r#"<signer href="{url}/signers/{}">"#, s.id));
                        match &s.who {
                            SignerId::Person(f) => x.push_str(&format!(
                                "<personal-identification-number>{f}</personal-identification-number>"
                            )),
                            SignerId::Custom(c) => x.push_str(&format!(
                                "<signer-identifier>{}</signer-identifier>",
                                escape(c)
                            )),
                            SignerId::Contact { .. } => {}
                        }
                        x.push_str(&format!(
                            "<redirect-url>{}</redirect-url></signer>",
                            double.redirect_url(s)
                        ));
                    }
                    x.push_str("</direct-signature-job-response>");
                    x
                }
            };
            xml_response(StatusCode::OK, xml)
        }
        Err(refused) => *refused,
    }
}

fn check_and_accept(
    double: &SigningDouble,
    org: &str,
    flow: Flow,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SandboxJob, Box<Response>> {
    let bad = |code: &str, message: &str| Box::new(error(StatusCode::BAD_REQUEST, code, message));
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/mixed")
    {
        return Err(bad("INVALID_REQUEST", "Expected multipart/mixed"));
    }
    let parts = parse_multipart(content_type, body).map_err(|e| bad("INVALID_REQUEST", &e))?;
    let part = |kind: &str| {
        parts.iter().find(|p| {
            p.content_type
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().starts_with(kind))
        })
    };
    let request = part("application/xml").ok_or_else(|| {
        bad(
            "INVALID_REQUEST",
            "The application/xml part (the job request) is missing",
        )
    })?;
    let bundle = part("application/octet-stream").ok_or_else(|| {
        bad(
            "INVALID_REQUEST",
            "The application/octet-stream part (the document bundle) is missing",
        )
    })?;
    xsd::validate(&request.body).map_err(|e| {
        bad(
            "SCHEMA_VALIDATION_ERROR",
            &format!("Xml-message was not in accordance to schema: {e}"),
        )
    })?;
    let request_text = std::str::from_utf8(&request.body)
        .map_err(|_| bad("SCHEMA_VALIDATION_ERROR", "not UTF-8"))?;
    let request_doc = roxmltree::Document::parse(request_text)
        .map_err(|e| bad("SCHEMA_VALIDATION_ERROR", &e.to_string()))?;
    let request_root = request_doc.root_element();
    let expected = format!("{}-signature-job-request", flow.as_str());
    if request_root.tag_name().name() != expected {
        return Err(bad(
            "SCHEMA_VALIDATION_ERROR",
            &format!("Expected <{expected}>"),
        ));
    }

    let now = double.clock.now();
    let verified = asice::verify(&bundle.body, &[double.ca.certificate().clone()], now)
        .map_err(|e| bad("ASICE_VALIDATION_FAILED", &e.to_string()))?;
    let signer_org = kommunepost_core::maskinporten::org_number_of(&verified.signer);
    if signer_org.as_deref() != Some(org) {
        return Err(bad(
            "ASICE_VALIDATION_FAILED",
            "The bundle is not signed with the sender's enterprise certificate",
        ));
    }
    if (verified.signing_time - now).num_seconds().abs() > 5 {
        return Err(bad(
            "ASICE_VALIDATION_FAILED",
            "SigningTime is more than 5 seconds off",
        ));
    }
    let manifest = verified
        .files
        .iter()
        .find(|(name, _)| name == "manifest.xml")
        .ok_or_else(|| bad("ASICE_VALIDATION_FAILED", "manifest.xml is missing"))?;
    xsd::validate(&manifest.1).map_err(|e| {
        bad(
            "SCHEMA_VALIDATION_ERROR",
            &format!("manifest.xml was not in accordance to schema: {e}"),
        )
    })?;
    let manifest_text = std::str::from_utf8(&manifest.1)
        .map_err(|_| bad("SCHEMA_VALIDATION_ERROR", "not UTF-8"))?;
    let doc = roxmltree::Document::parse(manifest_text)
        .map_err(|e| bad("SCHEMA_VALIDATION_ERROR", &e.to_string()))?;
    let root = doc.root_element();
    let expected = format!("{}-signature-job-manifest", flow.as_str());
    if root.tag_name().name() != expected {
        return Err(bad(
            "SCHEMA_VALIDATION_ERROR",
            &format!("manifest.xml: expected <{expected}>"),
        ));
    }
    let sender = child(root, "sender").and_then(|s| text_of(s, "organization-number"));
    if sender != Some(org) {
        // Server enforcement is UNCONFIRMED (§9); the clients always send the same number.
        return Err(bad(
            "INVALID_SIGNATURE_JOB",
            "The sender in manifest.xml is not the organization in the URL",
        ));
    }
    // Business-rule error codes are UNCONFIRMED (§12); INVALID_SIGNATURE_JOB is the
    // stand-in's.
    let rule = |message: &str| bad("INVALID_SIGNATURE_JOB", message);
    let documents_node = child(root, "documents").ok_or_else(|| {
        rule("The legacy single-document manifest is not supported by the sandbox")
    })?;
    let mut documents = Vec::new();
    let mut total = 0usize;
    for d in documents_node.children().filter(|c| c.is_element()) {
        let href = d.attribute("href").unwrap_or_default();
        let (_, bytes) = verified
            .files
            .iter()
            .find(|(name, _)| name == href)
            .ok_or_else(|| rule(&format!("The document {href} is not in the bundle")))?;
        if d.attribute("mime") == Some("application/pdf") {
            if !bytes.starts_with(b"%PDF-") {
                return Err(rule(&format!("{href} is not a PDF")));
            }
            match lopdf::Document::load_mem(bytes) {
                Ok(pdf) if pdf.trailer.get(b"Encrypt").is_ok() => {
                    return Err(rule(&format!("{href} is password-protected")));
                }
                Ok(_) => {}
                Err(_) => return Err(rule(&format!("{href} cannot be read as a PDF"))),
            }
        }
        total += bytes.len();
        documents.push((
            text_of(d, "title").unwrap_or_default().to_owned(),
            href.to_owned(),
            bytes.clone(),
        ));
    }
    if total > kommunepost_core::signing::model::MAX_JOB_BYTES {
        return Err(rule("The documents amount to more than 10 MB"));
    }
    let availability = child(root, "availability");
    let available_seconds = availability
        .and_then(|a| text_of(a, "available-seconds"))
        .map(|s| s.parse::<i64>().unwrap_or(i64::MAX))
        .unwrap_or(2_592_000);
    if available_seconds > 7_776_000 {
        return Err(rule("available-seconds may be at most 7776000 (90 days)"));
    }
    let activation = availability
        .and_then(|a| text_of(a, "activation-time"))
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);

    let signer_nodes: Vec<roxmltree::Node> = match flow {
        Flow::Portal => child(root, "signers")
            .map(|s| s.children().filter(|c| c.is_element()).collect())
            .unwrap_or_default(),
        Flow::Direct => root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "signer")
            .collect(),
    };
    let mut signers = Vec::new();
    for node in signer_nodes {
        let who = if let Some(pin) = text_of(node, "personal-identification-number") {
            SignerId::Person(pin.to_owned())
        } else if let Some(id) = text_of(node, "signer-identifier") {
            SignerId::Custom(id.to_owned())
        } else {
            let n = child(node, "notifications");
            SignerId::Contact {
                email: n
                    .and_then(|n| child(n, "email"))
                    .and_then(|e| e.attribute("address"))
                    .map(str::to_owned),
                mobile: n
                    .and_then(|n| child(n, "sms"))
                    .and_then(|e| e.attribute("number"))
                    .map(str::to_owned),
            }
        };
        let lookup = child(node, "notifications-using-lookup").is_some();
        let other = text_of(node, "on-behalf-of") == Some("OTHER");
        if lookup && other {
            return Err(rule(
                "notifications-using-lookup cannot be combined with on-behalf-of OTHER",
            ));
        }
        if signers
            .iter()
            .any(|s: &SandboxSigner| s.who == who && !matches!(who, SignerId::Contact { .. }))
        {
            return Err(rule("The same signer is given twice"));
        }
        let name = double.name_of(&who);
        let behaviour = double.behaviour_of(&who);
        signers.push(SandboxSigner {
            id: double.new_id(),
            signature_id: double.new_id(),
            order: node
                .attribute("order")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0),
            who,
            name,
            lookup,
            on_behalf_of_other: other,
            status: SignerStatus::Waiting,
            since: now,
            token: token(),
            behaviour,
            xades: None,
        });
    }
    let exit_urls = child(request_root, "exit-urls").map(|e| {
        (
            text_of(e, "completion-url").unwrap_or_default().to_owned(),
            text_of(e, "rejection-url").unwrap_or_default().to_owned(),
            text_of(e, "error-url").unwrap_or_default().to_owned(),
        )
    });
    let polling = match flow {
        Flow::Portal => true,
        Flow::Direct => text_of(request_root, "status-retrieval-method") == Some("POLLING"),
    };
    let job = SandboxJob {
        id: double.new_id(),
        flow,
        sender: org.to_owned(),
        reference: text_of(request_root, "reference").map(str::to_owned),
        queue: text_of(request_root, "polling-queue").map(str::to_owned),
        polling,
        title: text_of(root, "title").unwrap_or_default().to_owned(),
        nonsensitive_title: text_of(root, "nonsensitive-title").map(str::to_owned),
        documents,
        signers,
        status: JobStatus::InProgress,
        created: now,
        activation: if flow == Flow::Direct {
            now
        } else {
            activation
        },
        // Direct jobs live 30 days, fixed.
        available_seconds: if flow == Flow::Direct {
            2_592_000
        } else {
            available_seconds
        },
        group_activated: None,
        exit_urls,
        status_query_token: token(),
        level: text_of(root, "required-authentication")
            .unwrap_or("4")
            .to_owned(),
    };
    Ok(double.accept(job))
}

async fn poll(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = double.authorise(&client, &org) {
        return *refused;
    }
    let Some(flow) = Flow::parse(&flow) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Unknown flow");
    };
    let now = double.clock.now();
    let settings = double.settings();
    let key = (org.clone(), flow, query.get("polling_queue").cloned());
    let mut state = double.state.lock().expect("not poisoned");
    state.polls += 1;
    double.advance(&mut state, now);
    let header_value = |at: DateTime<Utc>| HeaderValue::from_str(&time(at)).expect("ASCII");
    let queue = state.queues.entry(key).or_default();
    if let Some(next) = queue.next_permitted
        && now < next
    {
        state.early_polls += 1;
        let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
        response.headers_mut().insert(NEXT_POLL, header_value(next));
        return response;
    }
    let Some(id) = queue.items.pop_front() else {
        let next = now + Duration::seconds(settings.empty_queue_poll_seconds);
        queue.next_permitted = Some(next);
        let mut response = StatusCode::NO_CONTENT.into_response();
        response.headers_mut().insert(NEXT_POLL, header_value(next));
        return response;
    };
    queue.next_permitted = Some(now);
    state
        .unconfirmed
        .insert(id, now + Duration::seconds(settings.requeue_seconds));
    let job = state.jobs.get(&id).cloned().expect("queued jobs exist");
    drop(state);
    let mut response = xml_response(StatusCode::OK, double.status_xml(&job));
    response.headers_mut().insert(NEXT_POLL, header_value(now));
    response
}

async fn confirm(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id)): Path<(String, String, i64)>,
) -> Response {
    if let Err(refused) = double.authorise(&client, &org) {
        return *refused;
    }
    if let Err(missing) = double.job_of(&org, &flow, id) {
        return *missing;
    }
    double
        .state
        .lock()
        .expect("not poisoned")
        .unconfirmed
        .remove(&id);
    StatusCode::OK.into_response()
}

async fn cancel(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id)): Path<(String, String, i64)>,
) -> Response {
    if let Err(refused) = double.authorise(&client, &org) {
        return *refused;
    }
    if flow != "portal" {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Only portal jobs can be cancelled",
        );
    }
    if let Err(missing) = double.job_of(&org, &flow, id) {
        return *missing;
    }
    let now = double.clock.now();
    let mut state = double.state.lock().expect("not poisoned");
    let job = state.jobs.get_mut(&id).expect("checked above");
    if job.status != JobStatus::InProgress {
        return error(
            StatusCode::CONFLICT,
            "SIGNATURE_JOB_NOT_CANCELLABLE",
            "The signature job is already finished and cannot be cancelled",
        );
    }
    for s in &mut job.signers {
        if s.status == SignerStatus::Waiting {
            s.status = SignerStatus::Cancelled;
            s.since = now;
        }
    }
    job.status = JobStatus::Failed;
    let job = job.clone();
    SigningDouble::enqueue(&mut state, &job);
    StatusCode::NO_CONTENT.into_response()
}

async fn download_pades(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id)): Path<(String, String, i64)>,
) -> Response {
    let job = match double.authorised_job(&client, &org, &flow, id) {
        Ok(job) => job,
        Err(refused) => return *refused,
    };
    if !SigningDouble::pades_available(&job) {
        return error(
            StatusCode::NOT_FOUND,
            "PADES_NOT_AVAILABLE",
            "Nobody has signed yet",
        );
    }
    let documents: Vec<(String, Vec<u8>)> = job
        .documents
        .iter()
        .map(|(t, _, b)| (t.clone(), b.clone()))
        .collect();
    let signed: Vec<pades::SignedBy> = job
        .signers
        .iter()
        .filter(|s| s.status == SignerStatus::Signed)
        .map(|s| pades::SignedBy {
            name: s.name.clone(),
            at: s.since,
        })
        .collect();
    match pades::pades(
        &job.title,
        &documents,
        &signed,
        &double.seal,
        &double.ca,
        double.clock.now(),
    ) {
        Ok(pdf) => ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", &e),
    }
}

async fn download_xades(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id, signature)): Path<(String, String, i64, i64)>,
) -> Response {
    let job = match double.authorised_job(&client, &org, &flow, id) {
        Ok(job) => job,
        Err(refused) => return *refused,
    };
    match job
        .signers
        .iter()
        .find(|s| s.signature_id == signature)
        .and_then(|s| s.xades.clone())
    {
        Some(xades) => ([(header::CONTENT_TYPE, "application/xml")], xades).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "XADES_NOT_AVAILABLE",
            "No such signature",
        ),
    }
}

async fn direct_status(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id)): Path<(String, String, i64)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let job = match double.authorised_job(&client, &org, &flow, id) {
        Ok(job) => job,
        Err(refused) => return *refused,
    };
    if query.get("status_query_token") != Some(&job.status_query_token) {
        return error(
            StatusCode::FORBIDDEN,
            "INVALID_STATUS_QUERY_TOKEN",
            "The status query token is not valid",
        );
    }
    if job.status == JobStatus::InProgress {
        return error(
            StatusCode::NOT_FOUND,
            "SIGNING_CEREMONY_NOT_COMPLETED",
            "The signing ceremony is not completed",
        );
    }
    xml_response(StatusCode::OK, double.status_xml(&job))
}

async fn new_redirect_url(
    State(double): State<Arc<SigningDouble>>,
    ConnectInfo(client): ConnectInfo<ClientCertificate>,
    Path((org, flow, id, signer)): Path<(String, String, i64, i64)>,
) -> Response {
    let job = match double.authorised_job(&client, &org, &flow, id) {
        Ok(job) => job,
        Err(refused) => return *refused,
    };
    let Some(s) = job.signers.iter().find(|s| s.id == signer) else {
        return error(StatusCode::NOT_FOUND, "SIGNER_NOT_FOUND", "No such signer");
    };
    let identity = match &s.who {
        SignerId::Person(f) => {
            format!("<personal-identification-number>{f}</personal-identification-number>")
        }
        SignerId::Custom(c) => format!("<signer-identifier>{}</signer-identifier>", escape(c)),
        SignerId::Contact { .. } => String::new(),
    };
    xml_response(
        StatusCode::OK,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><direct-signer-response xmlns="{NS}" href="{}/signers/{}">{identity}<redirect-url>{}</redirect-url></direct-signer-response>"#,
            double.job_url(&job),
            s.id,
            double.redirect_url(s)
        ),
    )
}
