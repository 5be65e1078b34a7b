//! The sandbox signing page, on plain HTTP on loopback: where a person (a demo, an E2E test)
//! signs or rejects by hand, as a signer would in the signing portal. `GET /` lists the tasks
//! waiting for someone; each signer's link is `/signering/<token>` (the direct flow's
//! redirect URL points here too). No scripts: plain forms.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kommunepost_core::signing::model::{Flow, JobStatus, SignerStatus};
use kommunepost_core::signing::xml::escape;

use super::{SandboxJob, SigningDouble};

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{}</title></head><body style="font-family:sans-serif;max-width:40rem;margin:2rem auto"><p><strong>Signering — sandkasse</strong></p>{body}</body></html>"#,
        escape(title)
    ))
}

impl SigningDouble {
    /// The signing page's routes.
    pub fn page_router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/", get(inbox))
            .route("/redirect/{one_time}", get(redirect))
            .route("/signering/{token}", get(task))
            .route("/signering/{token}/dokument/{index}", get(document))
            .route("/signering/{token}/signer", post(sign))
            .route("/signering/{token}/avvis", post(reject))
            .with_state(self)
    }

    fn find_token(&self, token: &str) -> Option<(SandboxJob, usize)> {
        self.jobs().into_iter().find_map(|j| {
            let i = j.signers.iter().position(|s| s.token == token)?;
            Some((j, i))
        })
    }
}

async fn inbox(State(double): State<Arc<SigningDouble>>) -> Html<String> {
    let mut rows = String::new();
    for job in double.jobs() {
        for s in &job.signers {
            let active = job.status == JobStatus::InProgress
                && s.status == SignerStatus::Waiting
                && job.group_activated.map(|(g, _)| g) == Some(s.order);
            if active {
                rows.push_str(&format!(
                    r#"<li><a href="/signering/{}">{} — {}</a></li>"#,
                    s.token,
                    escape(&job.title),
                    escape(&s.name)
                ));
            }
        }
    }
    if rows.is_empty() {
        rows.push_str("<li>Ingen oppdrag venter på signering.</li>");
    }
    page(
        "Til signering",
        &format!("<h1>Til signering</h1><ul>{rows}</ul>"),
    )
}

/// A direct signer arrives with a one-time token: on to their page, once.
async fn redirect(
    State(double): State<Arc<SigningDouble>>,
    Path(one_time): Path<String>,
) -> Response {
    match double.take_redirect(&one_time) {
        Some(page) => Redirect::to(&format!("/signering/{page}")).into_response(),
        None => (
            StatusCode::GONE,
            page(
                "Lenken er brukt",
                "<h1>Lenken er allerede brukt</h1><p>Be om en ny lenke til signering.</p>",
            ),
        )
            .into_response(),
    }
}

async fn task(State(double): State<Arc<SigningDouble>>, Path(token): Path<String>) -> Response {
    let Some((job, i)) = double.find_token(&token) else {
        return (
            StatusCode::NOT_FOUND,
            page("Ukjent lenke", "<h1>Ukjent lenke</h1>"),
        )
            .into_response();
    };
    let signer = &job.signers[i];
    let mut documents = String::new();
    for (n, (title, _, _)) in job.documents.iter().enumerate() {
        documents.push_str(&format!(
            r#"<li><a href="/signering/{token}/dokument/{n}">{}</a></li>"#,
            escape(title)
        ));
    }
    let can_act = job.status == JobStatus::InProgress
        && signer.status == SignerStatus::Waiting
        && job.group_activated.map(|(g, _)| g) == Some(signer.order);
    let actions = if can_act {
        format!(
            r#"<form method="post" action="/signering/{token}/signer" style="display:inline"><button id="signer" type="submit">Signer</button></form> <form method="post" action="/signering/{token}/avvis" style="display:inline"><button id="avvis" type="submit">Avvis</button></form>"#
        )
    } else {
        format!(
            r#"<p id="status">Status: {}</p>"#,
            escape(signer.status.as_str())
        )
    };
    page(
        &job.title,
        &format!(
            "<h1>{}</h1><p>Undertegner: {} (sikkerhetsnivå {})</p><h2>Dokumenter</h2><ul>{documents}</ul>{actions}",
            escape(&job.title),
            escape(&signer.name),
            escape(&job.level)
        ),
    )
    .into_response()
}

async fn document(
    State(double): State<Arc<SigningDouble>>,
    Path((token, index)): Path<(String, usize)>,
) -> Response {
    match double
        .find_token(&token)
        .and_then(|(job, _)| job.documents.get(index).map(|(_, _, b)| b.clone()))
    {
        Some(pdf) => ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn acted(double: &SigningDouble, token: &str, sign: bool) -> Response {
    match double.act_by_hand(token, sign) {
        Ok((id, _)) => {
            let Some(job) = double.job(id) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            if job.flow == Flow::Direct
                && let Some((completion, rejection, _)) = &job.exit_urls
            {
                let target = if sign { completion } else { rejection };
                let separator = if target.contains('?') { '&' } else { '?' };
                return Redirect::to(&format!(
                    "{target}{separator}status_query_token={}",
                    job.status_query_token
                ))
                .into_response();
            }
            let text = if sign {
                "Dokumentet er signert."
            } else {
                "Du har avvist oppdraget."
            };
            page(
                text,
                &format!(r#"<h1 id="resultat">{text}</h1><p><a href="/">Tilbake</a></p>"#),
            )
            .into_response()
        }
        Err(message) => (
            StatusCode::CONFLICT,
            page(&message, &format!("<h1>{}</h1>", escape(&message))),
        )
            .into_response(),
    }
}

async fn sign(State(double): State<Arc<SigningDouble>>, Path(token): Path<String>) -> Response {
    acted(&double, &token, true)
}

async fn reject(State(double): State<Arc<SigningDouble>>, Path(token): Path<String>) -> Response {
    acted(&double, &token, false)
}
