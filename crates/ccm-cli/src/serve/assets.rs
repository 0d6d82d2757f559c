//! The portal's static files: from `--html DIR` when given, else the copy of `html/` built into the
//! binary (in debug builds rust-embed reads the folder at run time, so edits show without a rebuild).

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../html/"]
struct Portal;

pub fn service(dir: Option<PathBuf>) -> axum::routing::MethodRouter {
    axum::routing::get(move |req: Request<Body>| {
        let dir = dir.clone();
        async move { serve(dir, req.uri().path()).await }
    })
}

/// Only plain relative paths of letters, digits, `-`, `_`, `.` and `/`; no `..`.
fn clean(path: &str) -> Option<String> {
    let p = path.trim_start_matches('/');
    let p = if p.is_empty() || p.ends_with('/') { format!("{p}index.html") } else { p.to_owned() };
    let ok = p.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    ok.then_some(p)
}

async fn serve(dir: Option<PathBuf>, path: &str) -> Response {
    let Some(rel) = clean(path) else { return StatusCode::NOT_FOUND.into_response() };
    let bytes: Option<Vec<u8>> = match dir {
        Some(d) => tokio::fs::read(d.join(&rel)).await.ok(),
        None => Portal::get(&rel).map(|f| f.data.into_owned()),
    };
    let Some(bytes) = bytes else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not found")
            .into_response();
    };
    let mime = mime_guess::from_path(&rel).first_or_octet_stream();
    let mut res = Response::new(Body::from(bytes));
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn static_paths_cannot_leave_the_portal_folder() {
        assert_eq!(clean("/").as_deref(), Some("index.html"));
        assert_eq!(clean("/js/api.js").as_deref(), Some("js/api.js"));
        for bad in ["/../Cargo.toml", "/js/../../x", "/a//b", "/%2e%2e/x", "/.env/.."] {
            assert_eq!(clean(bad), None, "{bad}");
        }
    }
}
