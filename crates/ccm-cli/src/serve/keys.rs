//! The session key of `ccm serve`: `CCM_SESSION_KEY` (and `CCM_SESSION_KEY_PREVIOUS` while rotating),
//! else a random key kept in the data directory (mode 0600) so sessions survive a restart.

use std::path::Path;

use anyhow::Context;

pub struct SessionSecret {
    pub primary: String,
    pub previous: Option<String>,
}

pub fn session_secret(data: &Path) -> anyhow::Result<SessionSecret> {
    let previous = std::env::var("CCM_SESSION_KEY_PREVIOUS").ok().filter(|s| !s.is_empty());
    if let Ok(primary) = std::env::var("CCM_SESSION_KEY")
        && !primary.is_empty()
    {
        return Ok(SessionSecret { primary, previous });
    }
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let path = data.join("session.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok(SessionSecret { primary: existing, previous });
        }
    }
    let secret = random_hex(48)?;
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(SessionSecret { primary: secret, previous })
}

fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    out.truncate(bytes * 2);
    Ok(out)
}

#[cfg(unix)]
fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(secret.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    std::fs::write(path, secret)
}
