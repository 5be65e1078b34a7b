//! Where Kommunepost keeps its files. The app and the CLI compute the same places from the same
//! bundle identifier, so `kommunepost store status` looks at the store the app uses.

use std::path::{Path, PathBuf};

/// Bundle identifier of release builds.
pub const RELEASE_IDENTIFIER: &str = "no.kommunepost.desktop";
/// Bundle identifier of debug builds: their own data directory, so a development build never
/// opens a production store.
pub const DEV_IDENTIFIER: &str = "no.kommunepost.desktop.dev";

/// The identifier for this build: [`DEV_IDENTIFIER`] with debug assertions, else
/// [`RELEASE_IDENTIFIER`].
pub const fn build_identifier() -> &'static str {
    if cfg!(debug_assertions) {
        DEV_IDENTIFIER
    } else {
        RELEASE_IDENTIFIER
    }
}

/// The application's directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    /// The encrypted store and its metadata.
    pub data_dir: PathBuf,
    /// `settings.toml`.
    pub config_dir: PathBuf,
    /// Rotating log files.
    pub log_dir: PathBuf,
    /// Where exported files go (templates): the user's Downloads folder.
    pub export_dir: PathBuf,
}

/// The platform gave no home-relative directory (no `$HOME`).
#[derive(Debug, thiserror::Error)]
#[error("no application data directory on this system (is HOME set?); choose one with --data-dir")]
pub struct NoDataDir;

impl AppPaths {
    /// The platform's directories for `identifier`, the same ones Tauri's path resolver uses:
    /// data `…/share/<id>` (Linux) / `Application Support/<id>` (macOS) / `AppData\Roaming\<id>`
    /// (Windows); config likewise; logs in the data dir's `logs` (macOS: `Library/Logs/<id>`).
    pub fn for_identifier(identifier: &str) -> Result<Self, NoDataDir> {
        let data_dir = dirs::data_dir().ok_or(NoDataDir)?.join(identifier);
        let config_dir = dirs::config_dir().ok_or(NoDataDir)?.join(identifier);
        let log_dir = if cfg!(target_os = "macos") {
            dirs::home_dir()
                .ok_or(NoDataDir)?
                .join("Library/Logs")
                .join(identifier)
        } else {
            dirs::data_local_dir()
                .ok_or(NoDataDir)?
                .join(identifier)
                .join("logs")
        };
        let export_dir = dirs::download_dir()
            .or_else(dirs::document_dir)
            .or_else(dirs::home_dir)
            .ok_or(NoDataDir)?;
        Ok(Self {
            data_dir,
            config_dir,
            log_dir,
            export_dir,
        })
    }

    /// Everything under one directory (`--data-dir`, tests): `dir`, `dir/config`, `dir/logs`,
    /// `dir/exports`.
    pub fn under(dir: &Path) -> Self {
        Self {
            data_dir: dir.to_path_buf(),
            config_dir: dir.join("config"),
            log_dir: dir.join("logs"),
            export_dir: dir.join("exports"),
        }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("settings.toml")
    }
}

/// Writes `bytes` as `file_name` in `dir` (created if missing) without replacing a file that
/// is there: `name.ext`, then `name (2).ext`, … Returns the path written.
pub fn export_file(dir: &Path, file_name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let (stem, ext) = match file_name.split_once('.') {
        Some((stem, ext)) => (stem.to_owned(), format!(".{ext}")),
        None => (file_name.to_owned(), String::new()),
    };
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}{ext}")
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(bytes)?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many files of that name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_never_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = export_file(dir.path(), "Vedtak.kpmal.toml", b"a").unwrap();
        let b = export_file(dir.path(), "Vedtak.kpmal.toml", b"b").unwrap();
        assert_eq!(a.file_name().unwrap(), "Vedtak.kpmal.toml");
        assert_eq!(b.file_name().unwrap(), "Vedtak (2).kpmal.toml");
        assert_eq!(std::fs::read(a).unwrap(), b"a");
    }

    #[test]
    fn debug_builds_use_their_own_identifier_and_so_their_own_directory() {
        assert_ne!(DEV_IDENTIFIER, RELEASE_IDENTIFIER);
        let expected = if cfg!(debug_assertions) {
            DEV_IDENTIFIER
        } else {
            RELEASE_IDENTIFIER
        };
        assert_eq!(build_identifier(), expected);
        let under = AppPaths::under(Path::new("/tmp/kp"));
        assert_eq!(
            under.settings_file(),
            Path::new("/tmp/kp/config/settings.toml")
        );
    }
}

/// Writes a file so that a crash leaves either the old or the new contents, never half:
/// a temporary file beside it, flushed to disk, then renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_whole_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/settings.toml");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1);
    }
}
