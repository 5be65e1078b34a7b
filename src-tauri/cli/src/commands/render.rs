//! `kommunepost letter render`: a PDF per valid row, a report for every row.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use kommunepost_core::letters::batch::{BatchOptions, RowOutcome, render_all};
use kommunepost_core::letters::package::{Attachment, AttachmentMode};
use kommunepost_core::letters::preflight::PreflightChannel;
use kommunepost_core::letters::recipients::read_recipients_mapped;
use kommunepost_core::letters::template::Template;

use crate::error::CliError;

/// The command's arguments.
pub struct RenderArgs {
    pub template: PathBuf,
    pub data: PathBuf,
    pub map: Vec<String>,
    pub out: PathBuf,
    pub date: Option<String>,
    pub attach: Vec<PathBuf>,
    pub merge_attachments: bool,
    pub channel: String,
    pub json: bool,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io {
        context: format!("reading {}", path.display()),
        source,
    })
}

pub fn render(args: RenderArgs) -> Result<ExitCode, CliError> {
    let template = Template::from_file(&read(&args.template)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", args.template.display())))?;
    let mapping = args
        .map
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(column, field)| (column.trim().to_owned(), field.trim().to_owned()))
                .filter(|(column, field)| !column.is_empty() && !field.is_empty())
                .ok_or_else(|| CliError::Usage(format!("--map {pair:?}: write it as COLUMN=FIELD")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let list = read_recipients_mapped(&read(&args.data)?, &mapping)
        .map_err(|e| CliError::Usage(format!("{}: {e}", args.data.display())))?;
    let date = match &args.date {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            CliError::Usage(format!("--date {text:?}: write the date as YYYY-MM-DD"))
        })?,
        // The edge of the program: today in Norway.
        None => kommunepost_core::norway::date(chrono::Utc::now()),
    };
    let channel = match args.channel.as_str() {
        "papir" => PreflightChannel::Papir,
        "digital_postkasse" => PreflightChannel::DigitalPostkasse,
        "altinn" => PreflightChannel::Altinn,
        other => {
            return Err(CliError::Usage(format!(
                "unknown channel {other:?}: use papir, digital_postkasse or altinn"
            )));
        }
    };
    let mut attachments = Vec::new();
    for path in &args.attach {
        let bytes = read(path)?;
        // Each attachment is checked once, before any letter is made.
        kommunepost_core::letters::attachment::check_pdf(&bytes, u64::MAX)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        attachments.push(Attachment {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "vedlegg.pdf".into()),
            bytes,
        });
    }
    // Letters from an earlier run must not be mixed with this run's (the report lists only
    // this run's files).
    if std::fs::read_dir(&args.out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(CliError::Usage(format!(
            "{} is not empty; choose a new or empty folder so earlier letters are not mixed with these",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|source| CliError::Io {
        context: format!("creating {}", args.out.display()),
        source,
    })?;
    let options = BatchOptions {
        date,
        attachments,
        mode: if args.merge_attachments {
            AttachmentMode::Merged
        } else {
            AttachmentMode::Separate
        },
        channel,
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let out = &args.out;
    let outcomes = render_all(
        &template,
        &list,
        &options,
        |stem, index, name, bytes| {
            let file = if index == 0 {
                format!("{stem}.pdf")
            } else {
                format!("{stem}-{index}-{name}")
            };
            std::fs::write(out.join(&file), bytes)?;
            Ok(file)
        },
        |file| {
            let _ = std::fs::remove_file(out.join(file));
        },
    );
    let report = serde_json::to_string_pretty(&outcomes).expect("plain data serialises");
    std::fs::write(out.join("report.json"), &report).map_err(|source| CliError::Io {
        context: format!("writing {}", out.join("report.json").display()),
        source,
    })?;
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    if args.json {
        println!("{report}");
    } else {
        for outcome in &outcomes {
            print_line(outcome);
        }
        println!(
            "{} letter(s) written to {}, {failed} row(s) failed; report: {}",
            outcomes.len() - failed,
            out.display(),
            out.join("report.json").display()
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_line(outcome: &RowOutcome) {
    match &outcome.error {
        None => println!(
            "row {}: {} → {} ({} page(s))",
            outcome.row,
            outcome.recipient,
            outcome.files.join(", "),
            outcome.pages
        ),
        Some(error) => {
            let who = if outcome.recipient.is_empty() {
                String::new()
            } else {
                format!("{} ", outcome.recipient)
            };
            println!("row {}: {who}ERROR: {error}", outcome.row);
        }
    }
}
