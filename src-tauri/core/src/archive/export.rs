//! Export for the archive's import: one folder per package with `arkivmelding.xml` and its
//! files, or one ZIP per mass mailing holding those folders. Names are the packages' ids (no
//! personal data in a file name); nothing already there is replaced, and a ZIP is written
//! under a temporary name and renamed into place when complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ARKIVMELDING, ArchiveError};
use crate::store::{PackageState, Store};

/// How packages are exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportForm {
    /// A folder per package.
    Folders,
    /// A ZIP per mass mailing (a single letter or an order: a ZIP of its own).
    Zip,
}

/// What to export: the waiting packages of an environment, or of one mass mailing.
#[derive(Debug, Clone, Copy)]
pub struct ExportSelection<'a> {
    /// The environment.
    pub environment: &'a str,
    /// Only this mailing's packages.
    pub mailing_id: Option<&'a str>,
    /// Also packages exported before (still waiting for their receipt).
    pub again: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Export {
        path: path.display().to_string(),
        source,
    }
}

/// A new directory `dir/name` (or `name (2)`, …); never one that exists.
fn new_dir(dir: &Path, name: &str) -> Result<PathBuf, ArchiveError> {
    for n in 1..1000 {
        let path = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{name} ({n})"))
        };
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(&path)(e)),
        }
    }
    Err(io(dir)(std::io::Error::other(
        "too many folders of that name",
    )))
}

/// Exports the selected waiting packages into `out` (created if missing). Returns the paths
/// written (folders or ZIP files) and marks the packages exported.
pub fn export(
    store: &Store,
    selection: ExportSelection<'_>,
    form: ExportForm,
    out: &Path,
) -> Result<Vec<PathBuf>, ArchiveError> {
    let packages: Vec<_> = store
        .archive_packages(selection.environment, selection.mailing_id, usize::MAX >> 1)?
        .into_iter()
        .filter(|p| p.state == PackageState::Waiting)
        .filter(|p| selection.again || p.exported_at.is_none())
        .collect();
    if packages.is_empty() {
        let which = match selection.mailing_id {
            Some(mailing) => format!(" for mailing {mailing}"),
            None => String::new(),
        };
        return Err(ArchiveError::NothingToExport(which));
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut written = Vec::new();
    let mut exported = Vec::new();
    let result = write_all(store, &packages, form, out, &mut written, &mut exported);
    // What was written is marked exported even when a later package failed, so the next
    // export does not write it again.
    store.mark_archive_exported(&exported)?;
    result?;
    tracing::info!(packages = exported.len(), "archive packages exported");
    Ok(written)
}

/// Writes the packages as folders or ZIPs, noting each written path and exported package.
fn write_all(
    store: &Store,
    packages: &[crate::store::ArchivePackage],
    form: ExportForm,
    out: &Path,
    written: &mut Vec<PathBuf>,
    exported: &mut Vec<String>,
) -> Result<(), ArchiveError> {
    match form {
        ExportForm::Folders => {
            for package in packages {
                let Some((xml, files)) = store.archive_contents(&package.id)? else {
                    continue;
                };
                let dir = new_dir(out, &package.id)?;
                let write = |name: &str, bytes: &[u8]| {
                    let path = dir.join(name);
                    std::fs::write(&path, bytes).map_err(io(&path))
                };
                for (name, bytes) in &files {
                    write(name, bytes)?;
                }
                // The arkivmelding last: a folder with it is complete.
                write(ARKIVMELDING, &xml)?;
                written.push(dir);
                exported.push(package.id.clone());
            }
        }
        ExportForm::Zip => {
            let mut groups: Vec<(String, Vec<&crate::store::ArchivePackage>)> = Vec::new();
            for package in packages {
                let name = match &package.mailing_id {
                    Some(mailing) => format!("arkiv-utsending-{mailing}"),
                    None => format!("arkiv-{}", package.id),
                };
                match groups.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, members)) => members.push(package),
                    None => groups.push((name, vec![package])),
                }
            }
            for (name, members) in groups {
                let (path, ids) = write_zip(store, out, &name, &members)?;
                written.push(path);
                exported.extend(ids);
            }
        }
    }
    Ok(())
}

fn write_zip(
    store: &Store,
    out: &Path,
    name: &str,
    packages: &[&crate::store::ArchivePackage],
) -> Result<(PathBuf, Vec<String>), ArchiveError> {
    let mut path = out.join(format!("{name}.zip"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = out.join(format!("{name} ({n}).zip"));
    }
    let partial = path.with_extension("zip.partial");
    let file = std::fs::File::create(&partial).map_err(io(&partial))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut ids = Vec::new();
    let result = (|| -> Result<(), ArchiveError> {
        let zip_error = |e: zip::result::ZipError| io(&partial)(std::io::Error::other(e));
        for package in packages {
            let Some((xml, files)) = store.archive_contents(&package.id)? else {
                continue;
            };
            for (file, bytes) in files
                .iter()
                .map(|(n, b)| (n.as_str(), b.as_slice()))
                .chain(std::iter::once((ARKIVMELDING, xml.as_slice())))
            {
                zip.start_file(format!("{}/{file}", package.id), options)
                    .map_err(zip_error)?;
                zip.write_all(bytes).map_err(io(&partial))?;
            }
            ids.push(package.id.clone());
        }
        let file = zip.finish().map_err(zip_error)?;
        file.sync_all().map_err(io(&partial))?;
        std::fs::rename(&partial, &path).map_err(io(&path))
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Ok((path, ids))
}
