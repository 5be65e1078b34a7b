//! The TypeScript bindings in `ui/src/lib/bindings.ts` are generated from the Rust commands and
//! committed. This test fails when they are stale. To regenerate:
//! `KOMMUNEPOST_WRITE_BINDINGS=1 cargo test --test bindings`.

use std::path::Path;

use kommunepost_app::bindings::{BINDINGS_PATH, typescript};

#[test]
fn committed_typescript_bindings_match_the_rust_commands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
    let generated = typescript();
    if std::env::var_os("KOMMUNEPOST_WRITE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{BINDINGS_PATH} is stale: run `KOMMUNEPOST_WRITE_BINDINGS=1 cargo test --test bindings` and commit it"
    );
}

#[test]
fn every_command_in_the_bindings_is_granted_to_the_main_window() {
    // A command the UI can call but the capability does not grant fails only at run time;
    // this catches it at test time.
    let generated = typescript();
    let capability = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/main.json"),
    )
    .expect("read the capability");
    let commands: Vec<&str> = generated
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(commands.len() >= 9, "found {commands:?}");
    for command in commands {
        let permission = format!("\"allow-{}\"", command.replace('_', "-"));
        assert!(
            capability.contains(&permission),
            "{command} is not granted: add {permission} to main.json"
        );
    }
}

#[test]
fn every_enum_value_serde_sends_is_a_value_the_typescript_types_allow() {
    // specta and serde each turn Rust names into snake_case, and disagree on digits
    // (`From2032`): check the JSON serde produces against the generated union types.
    use kommunepost_app::error::ErrorCode;
    use kommunepost_core::config::Environment;
    use kommunepost_core::ident::{ChecksumRule, FnrKind, FnrVariant, IdentKind};
    use kommunepost_core::maskinporten::CredentialKind;
    use kommunepost_core::routing::{MailboxProvider, Route, RouteReason};
    use kommunepost_core::store::KeySource;

    let values: Vec<serde_json::Value> = [
        serde_json::to_value([ChecksumRule::Current, ChecksumRule::From2032]),
        serde_json::to_value([
            FnrVariant::Ordinary,
            FnrVariant::HelpOrNavSynthetic,
            FnrVariant::TenorSynthetic,
        ]),
        serde_json::to_value([FnrKind::Fodselsnummer, FnrKind::DNummer, FnrKind::FhNummer]),
        serde_json::to_value([
            IdentKind::Fodselsnummer,
            IdentKind::DNummer,
            IdentKind::FhNummer,
            IdentKind::Organisasjonsnummer,
        ]),
        serde_json::to_value([
            MailboxProvider::Digipost,
            MailboxProvider::Eboks,
            MailboxProvider::Other,
        ]),
        serde_json::to_value([Route::DigitalPostkasse, Route::Papir, Route::Altinn]),
        serde_json::to_value([
            RouteReason::HasMailbox,
            RouteReason::Reserved,
            RouteReason::NotRegistered,
            RouteReason::Deleted,
            RouteReason::NoMailbox,
            RouteReason::ContactExpired,
            RouteReason::UnknownStatus,
            RouteReason::Organisation,
            RouteReason::ReceivingSystem,
        ]),
        serde_json::to_value([CredentialKind::Pkcs12, CredentialKind::Key]),
        serde_json::to_value([
            kommunepost_core::letters::recipients::TextEncoding::Utf8,
            kommunepost_core::letters::recipients::TextEncoding::Utf8Bom,
            kommunepost_core::letters::recipients::TextEncoding::Windows1252,
        ]),
        serde_json::to_value([
            kommunepost_core::letters::recipients::Separator::Semicolon,
            kommunepost_core::letters::recipients::Separator::Comma,
            kommunepost_core::letters::recipients::Separator::Tab,
        ]),
        serde_json::to_value([KeySource::Keyring, KeySource::Passphrase]),
        serde_json::to_value([
            kommunepost_core::letters::package::AttachmentMode::Separate,
            kommunepost_core::letters::package::AttachmentMode::Merged,
        ]),
        serde_json::to_value([
            kommunepost_core::store::OutboxState::Held,
            kommunepost_core::store::OutboxState::Queued,
            kommunepost_core::store::OutboxState::Sending,
            kommunepost_core::store::OutboxState::Sent,
            kommunepost_core::store::OutboxState::Final,
            kommunepost_core::store::OutboxState::Failed,
            kommunepost_core::store::OutboxState::Recalled,
        ]),
        serde_json::to_value([
            kommunepost_core::svarut::SvarUtApi::V2,
            kommunepost_core::svarut::SvarUtApi::V3,
        ]),
        serde_json::to_value([
            kommunepost_core::store::LetterKind::Ordinary,
            kommunepost_core::store::LetterKind::Vedtak,
            kommunepost_core::store::LetterKind::Forhandsvarsel,
        ]),
        serde_json::to_value([
            kommunepost_app::dispatch::Advice::FixLetter,
            kommunepost_app::dispatch::Advice::CheckSettings,
            kommunepost_app::dispatch::Advice::SendOnPaper,
            kommunepost_app::dispatch::Advice::CheckDocuments,
            kommunepost_app::dispatch::Advice::ContactSupport,
        ]),
        serde_json::to_value([
            Environment::Sandbox,
            Environment::Test,
            Environment::Production,
        ]),
        serde_json::to_value([
            ErrorCode::StoreLocked,
            ErrorCode::WrongKey,
            ErrorCode::PassphraseTooShort,
            ErrorCode::BadRecoveryKey,
            ErrorCode::CredentialStore,
            ErrorCode::LetterNotReady,
            ErrorCode::InvalidAttachment,
            ErrorCode::InvalidSettings,
            ErrorCode::BadCertificate,
            ErrorCode::InvalidIdentifier,
            ErrorCode::InvalidTemplate,
            ErrorCode::InvalidRecipientList,
            ErrorCode::PurposeRequired,
            ErrorCode::NoCredentials,
            ErrorCode::ServiceRefused,
            ErrorCode::ServiceUnavailable,
            ErrorCode::UntrustedServer,
            ErrorCode::InvalidSigningOrder,
            ErrorCode::SigningNotPossible,
            ErrorCode::Internal,
        ]),
        serde_json::to_value([
            kommunepost_core::signing::model::IdentifierInSignedDocuments::PersonalIdentificationNumberAndName,
            kommunepost_core::signing::model::IdentifierInSignedDocuments::DateOfBirthAndName,
            kommunepost_core::signing::model::IdentifierInSignedDocuments::Name,
        ]),
        serde_json::to_value([
            kommunepost_core::signing::Flow::Portal,
            kommunepost_core::signing::Flow::Direct,
        ]),
        serde_json::to_value([
            kommunepost_core::signing::model::AuthenticationLevel::Three,
            kommunepost_core::signing::model::AuthenticationLevel::Four,
        ]),
        serde_json::to_value([
            kommunepost_core::signing::model::SignatureType::Advanced,
            kommunepost_core::signing::model::SignatureType::Authenticated,
        ]),
        serde_json::to_value([
            kommunepost_core::signing::model::OnBehalfOf::Myself,
            kommunepost_core::signing::model::OnBehalfOf::Other,
        ]),
        serde_json::to_value([
            kommunepost_core::store::OrderState::Sending,
            kommunepost_core::store::OrderState::Uncertain,
            kommunepost_core::store::OrderState::Active,
            kommunepost_core::store::OrderState::Completed,
            kommunepost_core::store::OrderState::Failed,
            kommunepost_core::store::OrderState::Refused,
        ]),
    ]
    .into_iter()
    .map(|v| v.unwrap())
    .collect();
    let generated = typescript();
    for list in values {
        for value in list.as_array().unwrap() {
            let literal = format!("\"{}\"", value.as_str().unwrap());
            assert!(
                generated.contains(&literal),
                "{literal} is sent by Rust but not in the TypeScript types"
            );
        }
    }
}
