//! Letters: templates, the body format (a Markdown subset with merge fields), merging, and
//! recipient lists imported from CSV, composing a letter for a recipient and rendering it as PDF/A.

pub mod attachment;
pub mod batch;
pub mod case;
pub mod compose;
pub mod draft;
pub mod markdown;
pub mod merge;
pub mod package;
pub mod pdf;
pub mod preflight;
pub mod recipients;
pub mod template;
