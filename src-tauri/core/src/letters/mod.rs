//! Letters: templates, the body format (a Markdown subset with merge fields), merging, and
//! recipient lists imported from CSV.

pub mod attachment;
pub mod markdown;
pub mod merge;
pub mod recipients;
pub mod template;
