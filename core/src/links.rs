//! The one parser for the links the server puts in emails (protocol "Deep links").
//!
//! It is strict on purpose: a link names exactly one action and one token, from an origin
//! the client was configured with. Anything else (other hosts, lookalikes, user-info,
//! ports, extra path segments, queries, percent-encoding, over-long input) is refused
//! with a specific reason. Parsing changes nothing: it only says which screen to open.

use std::fmt;

/// The longest input considered at all.
pub const MAX_LINK_LEN: usize = 512;
/// Tokens and join codes: 32 random bytes as unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// What a link asks the app to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `/invite/{token}`: choose a password from a provider's invite.
    Invite,
    /// `/reset/{token}`: choose a new password.
    Reset,
    /// `/join/{code}`: register through a practice's group join link.
    Join,
}

impl LinkKind {
    fn from_segment(segment: &str) -> Option<Self> {
        match segment {
            "invite" => Some(Self::Invite),
            "reset" => Some(Self::Reset),
            "join" => Some(Self::Join),
            _ => None,
        }
    }
}

/// A parsed link: an action and its token. The token is a secret; `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct DeepLink {
    pub kind: LinkKind,
    pub token: String,
}

impl fmt::Debug for DeepLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeepLink")
            .field("kind", &self.kind)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Why a link was refused. The messages are written for the person who opened it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("The link is empty.")]
    Empty,
    #[error("The link is too long to be one of ours.")]
    TooLong,
    #[error("The link contains spaces or invisible characters. Copy it again from the email.")]
    BadCharacters,
    #[error("This is not a web or app link.")]
    NotALink,
    #[error("Links must start with https:// (or the app's own scheme).")]
    WrongScheme,
    #[error("The link carries a user name or password, which our links never do.")]
    UserInfo,
    #[error("This link is not from your practice's portal ({host}).")]
    UnknownHost { host: String },
    #[error("This link points to a different port than your practice's portal.")]
    WrongPort,
    #[error("This link does not open anything in the portal.")]
    UnknownAction,
    #[error("The link has extra parts after the code. Copy the link exactly as in the email.")]
    ExtraParts,
    #[error("The code in the link is incomplete or damaged. Copy the whole link from the email.")]
    BadToken,
}

/// A scheme, host and port that links may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

/// True for the loopback hosts where plain HTTP is allowed.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Where links are accepted from: what a client's configuration says.
pub trait LinkRules {
    /// The https (or, on loopback, http) origins links may come from.
    fn link_origins(&self) -> &[Origin];
    /// The app's custom URL scheme.
    fn scheme(&self) -> &str;
}

/// Parses `input` as an invite, reset or join link accepted by `config` (a
/// `ClientConfig`).
pub fn parse_link(input: &str, config: &impl LinkRules) -> Result<DeepLink, LinkError> {
    // Pasted links often carry surrounding white space; nothing inside may.
    let input = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if input.is_empty() {
        return Err(LinkError::Empty);
    }
    if input.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong);
    }
    if !input.bytes().all(|b| b.is_ascii_graphic()) || input.contains('\\') {
        return Err(LinkError::BadCharacters);
    }
    // Our tokens are base64url: a '%' can only be encoding, which we never emit.
    if input.contains('%') {
        return Err(LinkError::BadToken);
    }
    let (scheme, rest) = input.split_once("://").ok_or(LinkError::NotALink)?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.contains(['?', '#']) {
        return Err(LinkError::ExtraParts);
    }
    let (authority, path) = match rest.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (rest, None),
    };
    if authority.contains('@') {
        return Err(LinkError::UserInfo);
    }

    if scheme == config.scheme() {
        // `{scheme}://{kind}/{token}`: the action sits where a host would be.
        let kind = LinkKind::from_segment(authority).ok_or(LinkError::UnknownAction)?;
        let token = single_segment(path)?;
        return Ok(DeepLink { kind, token });
    }
    if scheme != "https" && scheme != "http" {
        return Err(LinkError::WrongScheme);
    }
    let (host, port) = split_host_port(authority)?;
    // Several origins may share a host (a practice's portal and its API on two ports):
    // the link passes if one of them takes its scheme and port; otherwise the first
    // one's refusal says why.
    let mut verdict = Err(LinkError::UnknownHost { host: host.clone() });
    for origin in config.link_origins().iter().filter(|o| o.host == host) {
        match check_scheme_and_port(origin, &scheme, &host, port) {
            Ok(()) => {
                verdict = Ok(());
                break;
            }
            Err(refusal) => {
                if matches!(verdict, Err(LinkError::UnknownHost { .. })) {
                    verdict = Err(refusal);
                }
            }
        }
    }
    verdict?;
    let path = path.ok_or(LinkError::UnknownAction)?;
    let (action, token_part) = path.split_once('/').ok_or(LinkError::UnknownAction)?;
    let kind = LinkKind::from_segment(action).ok_or(LinkError::UnknownAction)?;
    let token = single_segment(Some(token_part))?;
    Ok(DeepLink { kind, token })
}

fn check_scheme_and_port(
    origin: &Origin,
    scheme: &str,
    host: &str,
    port: Option<u16>,
) -> Result<(), LinkError> {
    // http only where the configured origin is itself plain loopback HTTP.
    if scheme == "http" && !(origin.scheme == "http" && is_loopback_host(host)) {
        return Err(LinkError::WrongScheme);
    }
    if scheme == "https" && origin.scheme != "https" {
        return Err(LinkError::WrongScheme);
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    if port.unwrap_or(default_port) != origin.port {
        return Err(LinkError::WrongPort);
    }
    Ok(())
}

/// Splits `host[:port]` (IPv6 in brackets), lower-casing the host. Refuses anything that
/// is not a plain ASCII host name or address.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), LinkError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or(LinkError::NotALink)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(LinkError::NotALink)?),
        };
        (format!("[{inside}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() || host.len() > 253 {
        return Err(LinkError::NotALink);
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| LinkError::WrongPort)?)
        }
        Some(_) => return Err(LinkError::WrongPort),
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// The final path part: exactly one token of the right shape, nothing after it.
fn single_segment(path: Option<&str>) -> Result<String, LinkError> {
    let path = path.ok_or(LinkError::BadToken)?;
    if path.contains('/') {
        return Err(LinkError::ExtraParts);
    }
    if path.len() != TOKEN_LEN
        || !path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(LinkError::BadToken);
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";

    /// What `ClientConfig::new("https://portal.riverside.example",
    /// &["http://127.0.0.1:8080"], "patientportal")` accepts (checked by the core's
    /// link corpus test, which goes through the real configuration).
    struct Rules(Vec<Origin>);

    impl LinkRules for Rules {
        fn link_origins(&self) -> &[Origin] {
            &self.0
        }
        fn scheme(&self) -> &str {
            "patientportal"
        }
    }

    fn config() -> Rules {
        let origin = |scheme: &str, host: &str, port| Origin {
            scheme: scheme.to_owned(),
            host: host.to_owned(),
            port,
        };
        Rules(vec![
            origin("https", "portal.riverside.example", 443),
            origin("http", "127.0.0.1", 8080),
        ])
    }

    #[test]
    fn two_origins_on_one_host_each_take_their_own_port() {
        let mut rules = config();
        rules.0.push(Origin {
            scheme: "http".to_owned(),
            host: "127.0.0.1".to_owned(),
            port: 9090,
        });
        for port in [8080, 9090] {
            let link = parse_link(&format!("http://127.0.0.1:{port}/invite/{T}"), &rules).unwrap();
            assert_eq!(link.kind, LinkKind::Invite);
        }
        assert_eq!(
            parse_link(&format!("http://127.0.0.1:7070/invite/{T}"), &rules),
            Err(LinkError::WrongPort)
        );
    }

    fn parse(input: &str) -> Result<DeepLink, LinkError> {
        parse_link(input, &config())
    }

    #[test]
    fn the_token_constant_is_43_characters() {
        assert_eq!(T.len(), TOKEN_LEN);
    }

    #[test]
    fn accepts_every_documented_form() {
        let cases = [
            (
                format!("https://portal.riverside.example/invite/{T}"),
                LinkKind::Invite,
            ),
            (
                format!("https://portal.riverside.example/reset/{T}"),
                LinkKind::Reset,
            ),
            (
                format!("https://portal.riverside.example/join/{T}"),
                LinkKind::Join,
            ),
            (
                format!("https://portal.riverside.example:443/invite/{T}"),
                LinkKind::Invite,
            ),
            (
                format!("HTTPS://Portal.Riverside.Example/invite/{T}"),
                LinkKind::Invite,
            ),
            (format!("patientportal://invite/{T}"), LinkKind::Invite),
            (format!("patientportal://reset/{T}"), LinkKind::Reset),
            (format!("patientportal://join/{T}"), LinkKind::Join),
            (
                format!("http://127.0.0.1:8080/invite/{T}"),
                LinkKind::Invite,
            ),
            (
                format!("  https://portal.riverside.example/invite/{T}\n"),
                LinkKind::Invite,
            ),
        ];
        for (input, kind) in cases {
            let link = parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                link,
                DeepLink {
                    kind,
                    token: T.to_owned()
                },
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_everything_else_with_a_specific_reason() {
        use LinkError::*;
        let long = format!(
            "https://portal.riverside.example/invite/{}",
            "a".repeat(600)
        );
        let cases: Vec<(String, LinkError)> = vec![
            ("".into(), Empty),
            ("   ".into(), Empty),
            (long, TooLong),
            (
                format!("https://portal.riverside.example/invite/{T} x"),
                BadCharacters,
            ),
            (
                format!("https://portal.riverside.example/invite/{T}\u{200b}"),
                BadCharacters,
            ),
            (
                format!("https://portal.riverside.example\\invite/{T}"),
                BadCharacters,
            ),
            (format!("portal.riverside.example/invite/{T}"), NotALink),
            (
                format!("ftp://portal.riverside.example/invite/{T}"),
                WrongScheme,
            ),
            (format!("javascript://invite/{T}"), WrongScheme),
            (
                format!("http://portal.riverside.example/invite/{T}"),
                WrongScheme,
            ),
            (format!("https://127.0.0.1:8080/invite/{T}"), WrongScheme),
            (
                format!("https://evil.example/invite/{T}"),
                UnknownHost {
                    host: "evil.example".into(),
                },
            ),
            (
                format!("https://portal.riverside.example.evil.example/invite/{T}"),
                UnknownHost {
                    host: "portal.riverside.example.evil.example".into(),
                },
            ),
            (
                format!("https://portal-riverside.example/invite/{T}"),
                UnknownHost {
                    host: "portal-riverside.example".into(),
                },
            ),
            (
                format!("https://user@portal.riverside.example/invite/{T}"),
                UserInfo,
            ),
            (
                format!("https://portal.riverside.example@evil.example/invite/{T}"),
                UserInfo,
            ),
            (
                format!("https://portal.riverside.example:8443/invite/{T}"),
                WrongPort,
            ),
            (
                format!("https://portal.riverside.example:/invite/{T}"),
                WrongPort,
            ),
            (
                format!("https://portal.riverside.example:99999/invite/{T}"),
                WrongPort,
            ),
            (format!("http://127.0.0.1:8081/invite/{T}"), WrongPort),
            (
                format!("https://portal.riverside.example/login/{T}"),
                UnknownAction,
            ),
            ("https://portal.riverside.example".into(), UnknownAction),
            (
                "https://portal.riverside.example/invite".into(),
                UnknownAction,
            ),
            (format!("patientportal://login/{T}"), UnknownAction),
            (
                format!("https://portal.riverside.example/invite/{T}/accept"),
                ExtraParts,
            ),
            (
                format!("https://portal.riverside.example/invite/{T}?utm=1"),
                ExtraParts,
            ),
            (
                format!("https://portal.riverside.example/invite/{T}#x"),
                ExtraParts,
            ),
            (
                format!("https://portal.riverside.example//invite/{T}"),
                UnknownAction,
            ),
            (format!("patientportal://invite/{T}/x"), ExtraParts),
            (
                format!("https://portal.riverside.example/invite/{}", &T[1..]),
                BadToken,
            ),
            (
                format!("https://portal.riverside.example/invite/{T}A"),
                BadToken,
            ),
            (
                format!("https://portal.riverside.example/invite/{}=", &T[1..]),
                BadToken,
            ),
            (
                format!("https://portal.riverside.example/invite/{}%41", &T[3..]),
                BadToken,
            ),
            (
                format!("https://portal.riverside.example/invite/{}%2541", &T[5..]),
                BadToken,
            ),
            ("https://portal.riverside.example/invite/".into(), BadToken),
            (format!("patientportal://invite/{}+", &T[1..]), BadToken),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(&input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn the_debug_form_hides_the_token() {
        let link = parse(&format!("patientportal://invite/{T}")).unwrap();
        assert!(!format!("{link:?}").contains(T));
    }
}
