//! Secrets from files and the environment, for the flags of the commands that reach the
//! services.

use crate::error::CliError;

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
