//! The headers on every answer: a strict Content-Security-Policy for the web page, and the
//! browser's other guards (no MIME sniffing, no referrer, its own browsing context group).
//!
//! Trunk loads the wasm with one inline `<script type="module">` in `index.html`. Rather than
//! allow inline scripts, the policy names that script by its SHA-256, read from the served
//! `index.html` when the relay starts.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use std::path::Path;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy, for a page whose inline scripts have these texts.
pub fn content_security_policy<'a>(inline_scripts: impl IntoIterator<Item = &'a str>) -> String {
    let hashes: String = inline_scripts
        .into_iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    [
        "default-src 'none'".to_owned(),
        // The wasm-bindgen loader and the wasm from here, and trunk's one inline loader script.
        format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        "style-src 'self'".into(),
        "img-src 'self'".into(),
        // The API and the wasm file (fetched for instantiateStreaming); and the page's own
        // `blob:` URLs (a decrypted record offered as a download), which only this origin can
        // make: the smoke test reads one back with fetch to compare its bytes.
        "connect-src 'self' blob:".into(),
        // The QR scanner's Web Worker (its decoder's own wasm), from here only.
        "worker-src 'self'".into(),
        "base-uri 'none'".into(),
        "form-action 'none'".into(),
        "frame-ancestors 'none'".into(),
    ]
    .join("; ")
}

/// The texts of the inline scripts (`<script>` elements without `src`) of an HTML page, as the
/// browser hashes them: every byte between the opening tag's `>` and `</script`.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|at| from + at) {
        let Some(tag_end) = lower[start..].find('>').map(|at| start + at) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|at| tag_end + at) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attribute| attribute == "src" || attribute.starts_with("src="));
        if !has_src {
            scripts.push(&html[tag_end + 1..close]);
        }
        from = close;
    }
    scripts
}

/// The policy for the web UI in `ui_dir` (none: no inline script is allowed). An `index.html`
/// that cannot be read leaves the page without its loader, and says so in the log.
pub fn policy_for(ui_dir: Option<&Path>) -> HeaderValue {
    let page = ui_dir.and_then(|dir| {
        let index = dir.join("index.html");
        std::fs::read_to_string(&index)
            .inspect_err(|e| {
                tracing::warn!(
                    "{}: {e}; the web page's loader is not allowed to run",
                    index.display()
                )
            })
            .ok()
    });
    let policy = content_security_policy(page.as_deref().map(inline_scripts).unwrap_or_default());
    // Built from fixed text and base64: always a valid header value.
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// `router` with the security headers on every answer, `policy` being the CSP.
pub fn secured(router: Router, policy: HeaderValue) -> Router {
    let set =
        |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::overriding(name, value);
    router
        .layer(set(header::CONTENT_SECURITY_POLICY, policy))
        .layer(set(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(set(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(set(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
}

/// The `/v1` answers: never kept by a cache (sessions, records, read logs).
pub fn not_stored(router: Router<crate::RelayState>) -> Router<crate::RelayState> {
    router.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_loaded_ones_skipped() {
        let page = "<html><head><script type=\"module\">\nimport init from '/a.js';\nawait init();\n</script>\
                    <SCRIPT src=\"/b.js\"></SCRIPT><script defer src='/c.js'></script>\
                    <script data-source=\"x\">one()</script ></head></html>";
        assert_eq!(
            inline_scripts(page),
            vec!["\nimport init from '/a.js';\nawait init();\n", "one()"]
        );
        assert!(inline_scripts("<p>no scripts</p>").is_empty());
        assert!(inline_scripts("<script>never closed").is_empty());
    }

    #[test]
    fn the_policy_names_each_inline_script_by_its_hash() {
        // The hash of `alert(1)`, as browsers print it when they refuse the script.
        let policy = content_security_policy(["alert(1)"]);
        assert!(
            policy.contains(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
            ),
            "{policy}"
        );
        assert!(policy.starts_with("default-src 'none'; "), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("connect-src 'self' blob:;"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(content_security_policy([]).matches("'sha256-").count(), 0);
    }

    #[test]
    fn the_policy_allows_this_origins_workers_and_nothing_else_more() {
        let policy = content_security_policy(["alert(1)"]);
        let directives: Vec<&str> = policy.split("; ").collect();
        assert!(directives.contains(&"worker-src 'self'"), "{policy}");
        // Each directive as before the scanner's worker, none loosened.
        for directive in [
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self' blob:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&directive), "{directive}: {policy}");
        }
        assert_eq!(directives.len(), 9, "{policy}");
        assert!(!policy.contains("child-src"), "{policy}");
        assert!(!policy.contains('*'), "{policy}");
    }
}
