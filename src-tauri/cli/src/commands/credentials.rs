//! The Maskinporten client id and enterprise certificate from flags, files and the
//! environment (test and prod), shared by the commands that reach KRR and SvarUt.

use kommunepost_core::maskinporten::ClientCredential;

use crate::cli::MaskinportenArgs;
use crate::error::CliError;

/// The client id and the certificate (its password from `--certificate-password-file` or
/// `KOMMUNEPOST_CERTIFICATE_PASSWORD`).
pub fn client(args: &MaskinportenArgs) -> Result<(String, ClientCredential), CliError> {
    let client_id = args.client_id.clone().ok_or_else(|| {
        CliError::Usage(
            "give the Maskinporten client id with --client-id (or KOMMUNEPOST_CLIENT_ID)".into(),
        )
    })?;
    let certificate = args.certificate.as_ref().ok_or_else(|| {
        CliError::Usage("give the enterprise certificate with --certificate FILE.p12".into())
    })?;
    let der = std::fs::read(certificate).map_err(|source| CliError::Io {
        context: format!("reading the certificate {}", certificate.display()),
        source,
    })?;
    let password = first_line_or_env(
        args.certificate_password_file.as_deref(),
        "KOMMUNEPOST_CERTIFICATE_PASSWORD",
        "the certificate's password",
        "--certificate-password-file",
    )?;
    Ok((client_id, ClientCredential::from_pkcs12(&der, &password)?))
}

/// A secret from the first line of `file`, else from the environment `variable`.
pub fn first_line_or_env(
    file: Option<&std::path::Path>,
    variable: &str,
    what: &str,
    flag: &str,
) -> Result<String, CliError> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).map_err(|source| CliError::Io {
            context: format!("reading {}", file.display()),
            source,
        })?;
        return Ok(text.lines().next().unwrap_or("").to_owned());
    }
    std::env::var(variable)
        .map_err(|_| CliError::Usage(format!("give {what} in {variable} or with {flag}")))
}
