//! The setup doctor: checks, one line each, that the provider, IAM, STS and the bucket are set
//! up the way this app needs, and says what to fix when they are not.
//!
//! Owns the checks; not their wording (in `crate::text`), not the browser. [`run`] drives the
//! checks in order over a [`Web`] (the page's HTTP, from `crate::platform`) and the same STS and
//! S3 clients the app uses; what each answer means is decided by the plain functions in
//! [`diagnose`], and the documents a fix asks for (trust policy, permission policy, bucket CORS)
//! are rendered in [`documents`] from the same templates the local stack applies
//! (`stack/s3/*.json`).

pub mod diagnose;
pub mod documents;
mod run;

use crate::text;
use std::fmt::Write as _;

pub use run::{Inputs, Reply, SignedIn, Web, run};

/// What is checked, in the order the checks run (the order of the data flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    Settings,
    Discovery,
    Jwks,
    TokenEndpoint,
    SigningAlgorithm,
    Sts,
    Endpoint,
    BucketCors,
    List,
    ExposedHeaders,
}

impl Check {
    pub const ALL: [Self; 10] = [
        Self::Settings,
        Self::Discovery,
        Self::Jwks,
        Self::TokenEndpoint,
        Self::SigningAlgorithm,
        Self::Sts,
        Self::Endpoint,
        Self::BucketCors,
        Self::List,
        Self::ExposedHeaders,
    ];

    /// What the line says is being checked.
    pub fn title(self) -> &'static str {
        match self {
            Self::Settings => text::CHECK_SETTINGS,
            Self::Discovery => text::CHECK_DISCOVERY,
            Self::Jwks => text::CHECK_JWKS,
            Self::TokenEndpoint => text::CHECK_TOKEN_ENDPOINT,
            Self::SigningAlgorithm => text::CHECK_SIGNING_ALGORITHM,
            Self::Sts => text::CHECK_STS,
            Self::Endpoint => text::CHECK_ENDPOINT,
            Self::BucketCors => text::CHECK_BUCKET_CORS,
            Self::List => text::CHECK_LIST,
            Self::ExposedHeaders => text::CHECK_EXPOSED_HEADERS,
        }
    }

    /// A stable name for the line (in the page's markup and the copied report).
    pub fn id(self) -> &'static str {
        match self {
            Self::Settings => "settings",
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::TokenEndpoint => "token-endpoint",
            Self::SigningAlgorithm => "signing-algorithm",
            Self::Sts => "sts",
            Self::Endpoint => "endpoint",
            Self::BucketCors => "bucket-cors",
            Self::List => "list",
            Self::ExposedHeaders => "exposed-headers",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Not run: it needs something an earlier check did not provide (or a sign-in).
    Skipped,
}

impl Status {
    /// The mark in front of the line.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Pass => "✓",
            Self::Fail => "✗",
            Self::Skipped => "–",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub check: Check,
    pub status: Status,
    /// What was found: the evidence for a pass, the problem for a failure, why it was skipped.
    pub finding: String,
    /// What to do about a failure.
    pub fix: Option<String>,
    /// A document the fix asks for (a policy, CORS rules, a command), ready to paste.
    pub snippet: Option<String>,
}

impl Line {
    pub fn pass(check: Check, finding: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Pass,
            finding: finding.into(),
            fix: None,
            snippet: None,
        }
    }

    pub fn fail(check: Check, finding: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Fail,
            finding: finding.into(),
            fix: Some(fix.into()),
            snippet: None,
        }
    }

    pub fn skipped(check: Check, why: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Skipped,
            finding: why.into(),
            fix: None,
            snippet: None,
        }
    }

    #[must_use]
    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }
}

/// The report as plain text, to copy into a ticket: a header, then one line per check with
/// its fix and document indented below it.
pub fn report_text(header: &str, lines: &[Line]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{header}");
    for line in lines {
        let _ = writeln!(
            out,
            "{} {}: {}",
            line.status.mark(),
            line.check.title(),
            line.finding
        );
        if let Some(fix) = &line.fix {
            let _ = writeln!(out, "    {}", text::report_fix(fix));
        }
        if let Some(snippet) = &line.snippet {
            for l in snippet.lines() {
                let _ = writeln!(out, "      {l}");
            }
        }
    }
    let failed = lines.iter().filter(|l| l.status == Status::Fail).count();
    let _ = writeln!(out, "{}", text::problems_found(failed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_reads_as_text() {
        let lines = [
            Line::pass(Check::Settings, "from https://x/config.json"),
            Line::fail(Check::List, "AccessDenied", "Allow s3:ListBucket.")
                .with_snippet("{\n  \"a\": 1\n}"),
            Line::skipped(Check::ExposedHeaders, "needs credentials"),
        ];
        let text = report_text("Pail setup check for https://x", &lines);
        assert_eq!(
            text,
            "Pail setup check for https://x\n\
             ✓ Settings: from https://x/config.json\n\
             ✗ You can list your folder: AccessDenied\n    Fix: Allow s3:ListBucket.\n      {\n        \"a\": 1\n      }\n\
             – Bucket CORS exposes ETag and metadata: needs credentials\n\
             1 problem found.\n"
        );
    }

    #[test]
    fn checks_have_distinct_ids() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
    }
}
