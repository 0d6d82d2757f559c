//! Hand-written shape checks for the values config files hold (the core has no regex crate).
//! Each returns `Err(reason)` with a sentence an operator can act on.

const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// `us-east-1`, `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`…
pub(crate) fn aws_region(raw: &str) -> Result<(), String> {
    let parts: Vec<&str> = raw.split('-').collect();
    let letters = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase());
    let shape_ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts.split_last().is_some_and(|(number, words)| {
            words.iter().all(letters) && !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        });
    if shape_ok { Ok(()) } else { Err(format!("{raw:?} is not an AWS region such as us-east-1")) }
}

pub(crate) fn account_id(raw: &str) -> Result<(), String> {
    if raw.len() == 12 && raw.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("{raw:?} is not a 12-digit AWS account id"))
    }
}

/// `arn:aws:iam::<account>:role/<path/name>`; returns the account id.
pub(crate) fn iam_role_arn(raw: &str) -> Result<&str, String> {
    let bad = || format!("{raw:?} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)");
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && !name.ends_with('/')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    let ok = arn == "arn"
        && PARTITIONS.contains(&partition)
        && service == "iam"
        && region.is_empty()
        && account_id(account).is_ok()
        && name_ok;
    if ok { Ok(account) } else { Err(bad()) }
}

/// `arn:aws:<service>:<region>:<account>:<name>` for SQS queues and SNS topics.
pub(crate) fn regional_arn(raw: &str, service: &str) -> Result<(), String> {
    let upper = service.to_uppercase();
    let bad = || format!("{raw:?} is not an {upper} ARN (arn:aws:{service}:<region>:<12-digit account>:<name>)");
    let parts: Vec<&str> = raw.split(':').collect();
    let [arn, partition, svc, region, account, name] = parts[..] else {
        return Err(bad());
    };
    let name_ok =
        !name.is_empty() && name.len() <= 256 && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let ok = arn == "arn"
        && PARTITIONS.contains(&partition)
        && svc == service
        && aws_region(region).is_ok()
        && account_id(account).is_ok()
        && name_ok;
    if ok { Ok(()) } else { Err(bad()) }
}

/// A lower-case DNS name with at least two labels: `example.com`.
pub(crate) fn domain(raw: &str) -> Result<(), String> {
    let labels_ok = raw.split('.').count() >= 2 && raw.split('.').all(|l| label(l).is_ok());
    if labels_ok && raw.len() <= 253 {
        Ok(())
    } else {
        Err(format!("{raw:?} is not a lower-case domain name such as example.com"))
    }
}

/// One lower-case DNS label: `bounce`.
pub(crate) fn label(raw: &str) -> Result<(), String> {
    let ok = !raw.is_empty()
        && raw.len() <= 63
        && !raw.starts_with('-')
        && !raw.ends_with('-')
        && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(()) } else { Err(format!("{raw:?} is not a lower-case DNS label such as bounce")) }
}

/// An absolute http(s) URL with a host and no white space.
pub(crate) fn absolute_url(raw: &str) -> Result<(), String> {
    let bad = |why: &str| format!("{raw:?} is not an absolute http(s) URL: {why}");
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(|| bad("it must start with http:// or https://"))?;
    if rest.split(['/', '?', '#']).next().unwrap_or_default().is_empty() {
        return Err(bad("it has no host"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains white space"));
    }
    Ok(())
}

/// An image the portal shows: an absolute http(s) URL, or a path on the portal itself (`/logos/acme.svg`).
pub(crate) fn image_url(raw: &str) -> Result<(), String> {
    if let Some(path) = raw.strip_prefix('/') {
        let ok = !path.starts_with('/')
            && !path.contains("..")
            && path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c));
        return if ok {
            Ok(())
        } else {
            Err(format!("{raw:?} is not a plain path on the portal such as /logos/acme.svg"))
        };
    }
    absolute_url(raw)
}

/// An absolute http(s) URL to build links on, returned without its trailing `/` so links are
/// `format!("{base}/…")`.
pub(crate) fn base_url(raw: &str) -> Result<String, String> {
    absolute_url(raw)?;
    if raw.contains(['?', '#']) {
        return Err(format!("{raw:?} is a base URL and takes no query or fragment"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// A display name for `From`: one line of at most 64 characters, no control or bidi characters,
/// and no `@` (a name that looks like an address misleads the reader about who sent the mail).
pub(crate) fn display_name(raw: &str) -> Result<(), String> {
    crate::text::check(raw, crate::text::TextKind::SingleLine).map_err(|why| format!("{raw:?} {why}"))?;
    let len = raw.trim().chars().count();
    if len == 0 || len > 64 {
        return Err(format!("{raw:?} must have 1 to 64 characters"));
    }
    if raw.contains(['@', '<', '>']) {
        return Err(format!("{raw:?} must not contain @, < or > (it would look like an address)"));
    }
    Ok(())
}

/// S3 bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric.
pub(crate) fn bucket_name(raw: &str) -> Result<(), String> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&raw.len())
        && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge_ok(raw.chars().next())
        && edge_ok(raw.chars().last());
    if ok { Ok(()) } else { Err(format!("{raw:?} is not a valid S3 bucket name")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_look_like_aws_regions() {
        for ok in ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"] {
            assert!(aws_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "useast1", "us-east-1a", "u-east-1"] {
            assert!(aws_region(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn iam_role_arns_yield_their_account() {
        assert_eq!(iam_role_arn("arn:aws:iam::111111111111:role/ccm-ses-sender"), Ok("111111111111"));
        assert!(iam_role_arn("arn:aws:iam::111111111111:role/service-role/x").is_ok());
        for bad in [
            "",
            "arn:aws:iam::11111111111:role/x",
            "arn:aws:iam::111111111111:user/x",
            "arn:aws:iam::111111111111:role/",
            "arn:aws:sts::111111111111:role/x",
            "arn:aws:iam:us-east-1:111111111111:role/x",
        ] {
            assert!(iam_role_arn(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sqs_arns_need_region_account_and_name() {
        assert!(regional_arn("arn:aws:sqs:us-east-1:111111111111:ccm-acme", "sqs").is_ok());
        assert!(regional_arn("arn:aws:sqs:us-east-1:111111111111:q.fifo", "sqs").is_ok());
        for bad in ["arn:aws:sqs::111111111111:q", "arn:aws:sns:us-east-1:111111111111:q", "arn:aws:sqs:us-east-1:1:q"]
        {
            assert!(regional_arn(bad, "sqs").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base_urls_are_absolute_and_lose_their_trailing_slash() {
        assert_eq!(base_url("https://ccm.example.com/").unwrap(), "https://ccm.example.com");
        assert_eq!(base_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        for bad in ["", "ccm.example.com", "ftp://x", "https://", "https://x/?a=1", "https://a b", "https://?x"] {
            assert!(base_url(bad).is_err(), "{bad:?}");
        }
        assert!(absolute_url("https://cdn.example.com/logo.png?v=2").is_ok());
    }

    #[test]
    fn display_names_are_one_short_line_that_cannot_pass_for_an_address() {
        assert!(display_name("CCOE Notifications").is_ok());
        assert!(display_name("Équipe \"CCOE\" 通知").is_ok());
        for bad in ["", "  ", "Ops\nTeam", "ceo@bank.example", "A <b>", "x\u{202e}y", &"n".repeat(65)] {
            assert!(display_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn domains_and_buckets_are_lower_case() {
        assert!(domain("ccm.example.com").is_ok());
        assert!(domain("Example.com").is_err());
        assert!(domain("localhost").is_err());
        assert!(bucket_name("ccm-metadata-example").is_ok());
        assert!(bucket_name("CCM").is_err());
    }
}
