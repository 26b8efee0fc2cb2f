//! TLS to PostgreSQL through rustls, in libpq's terms: the URL's `sslmode` (`disable`,
//! `prefer`, `require`, `verify-ca`, `verify-full`) and `sslrootcert` (a PEM file of
//! the certificate authorities to trust) mean what they mean to `psql`:
//!
//! | `sslmode` | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (the default) | when the server offers it | no (against `sslrootcert` when given, as `verify-ca`) |
//! | `require` | always | no (against `sslrootcert` when given, as `verify-ca`) |
//! | `verify-ca` | always | chain, against `sslrootcert` or the system's authorities |
//! | `verify-full` | always | chain and host name |
//!
//! tokio-postgres knows only the first three modes and no `sslrootcert`: [`parse_url`]
//! reads both and hands the rest of the URL to tokio-postgres unchanged.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::config::SslMode as DriverMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            // libpq's `allow` tries without TLS first; the server does not, so rather than
            // behave unlike psql it refuses the mode.
            other => {
                return Err(format!(
                    "sslmode={other} is not supported: use disable, prefer, require, \
                     verify-ca or verify-full"
                ));
            }
        })
    }

    fn driver(self) -> DriverMode {
        match self {
            Self::Disable => DriverMode::Disable,
            Self::Prefer => DriverMode::Prefer,
            Self::Require | Self::VerifyCa | Self::VerifyFull => DriverMode::Require,
        }
    }
}

/// A PostgreSQL URL read: tokio-postgres's configuration and the TLS to connect with.
#[derive(Clone)]
pub struct PgTarget {
    pub config: tokio_postgres::Config,
    pub tls: PgTls,
}

impl PgTarget {
    /// The hosts away from this machine that would be reached without `verify-full`
    /// (anyone on the path could read or change patients' records).
    pub fn unchecked_remote_hosts(&self) -> Vec<String> {
        if matches!(self.tls.mode, SslMode::VerifyFull) {
            return Vec::new();
        }
        self.config
            .get_hosts()
            .iter()
            .filter_map(|host| match host {
                tokio_postgres::config::Host::Tcp(name) if !is_loopback(name) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Whether a host name or address is this machine.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Reads a `postgres://` URL with libpq's `sslmode` and `sslrootcert`, loading the
/// certificates it names. Errors say what is wrong in words, without the password.
pub fn parse_url(url: &str) -> Result<PgTarget, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = SslMode::Prefer;
    let mut root_file: Option<String> = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let decoded = url::form_urlencoded::parse(pair.as_bytes()).next();
        match decoded.as_ref().map(|(k, v)| (k.as_ref(), v.as_ref())) {
            Some(("sslmode", value)) => mode = SslMode::parse(value)?,
            Some(("sslrootcert", value)) => root_file = Some(value.to_owned()),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = rest
        .parse()
        .map_err(|e| format!("the PostgreSQL URL is not valid: {e}"))?;
    config.ssl_mode(mode.driver());
    let roots = match &root_file {
        Some(path) => Some(read_roots(path)?),
        None => None,
    };
    let tls = PgTls::new(mode, roots)?;
    Ok(PgTarget { config, tls })
}

/// The certificates of a PEM file, as trust anchors.
fn read_roots(path: &str) -> Result<RootCertStore, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("sslrootcert {path}: {e}");
    let mut roots = RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|e| unreadable(&e))?;
        roots.add(certificate).map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(format!("sslrootcert {path}: the file holds no certificate"));
    }
    Ok(roots)
}

/// The system's certificate authorities (for `verify-ca` and `verify-full` without
/// `sslrootcert`).
fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), ToString::to_string);
        return Err(format!(
            "the system's certificate authorities could not be read ({why}): \
             name the PostgreSQL server's authority with sslrootcert"
        ));
    }
    Ok(roots)
}

/// How the server's certificate is checked.
#[derive(Debug)]
enum Check {
    /// Not at all (libpq's `prefer` and `require` without `sslrootcert`): the connection
    /// is encrypted, and the handshake's signatures are still verified.
    Nothing(Arc<CryptoProvider>),
    /// The chain against the trust anchors, whatever name the certificate is for
    /// (`verify-ca`).
    Chain(Arc<WebPkiServerVerifier>),
}

impl ServerCertVerifier for Check {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self {
            Self::Nothing(_) => Ok(ServerCertVerified::assertion()),
            Self::Chain(webpki) => {
                match webpki.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ) {
                    Err(rustls::Error::InvalidCertificate(
                        CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. },
                    )) => Ok(ServerCertVerified::assertion()),
                    other => other,
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match self {
            Self::Nothing(provider) => rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &provider.signature_verification_algorithms,
            ),
            Self::Chain(webpki) => webpki.verify_tls12_signature(message, cert, dss),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match self {
            Self::Nothing(provider) => rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &provider.signature_verification_algorithms,
            ),
            Self::Chain(webpki) => webpki.verify_tls13_signature(message, cert, dss),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match self {
            Self::Nothing(provider) => provider
                .signature_verification_algorithms
                .supported_schemes(),
            Self::Chain(webpki) => webpki.supported_verify_schemes(),
        }
    }
}

/// The TLS connector given to tokio-postgres for every connection of one URL.
#[derive(Clone)]
pub struct PgTls {
    mode: SslMode,
    config: Arc<ClientConfig>,
}

impl PgTls {
    fn new(mode: SslMode, roots: Option<RootCertStore>) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS to PostgreSQL: {e}"))?;
        let webpki = |roots: RootCertStore| {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .build()
                .map_err(|e| format!("TLS to PostgreSQL: {e}"))
        };
        // libpq's verifying modes fall back on the system's authorities.
        let roots = match (mode, roots) {
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => Some(system_roots()?),
            (_, roots) => roots,
        };
        let config = match (mode, roots) {
            (SslMode::VerifyFull, Some(roots)) => builder
                .with_webpki_verifier(webpki(roots)?)
                .with_no_client_auth(),
            // `verify-ca`, and as libpq, the other modes when an authority is named.
            (_, Some(roots)) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Check::Chain(webpki(roots)?)))
                .with_no_client_auth(),
            (_, None) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Check::Nothing(provider.clone())))
                .with_no_client_auth(),
        };
        Ok(Self {
            mode,
            config: Arc::new(config),
        })
    }

    /// The URL's `sslmode`.
    pub fn mode(&self) -> SslMode {
        self.mode
    }
}

impl MakeTlsConnect<Socket> for PgTls {
    type Stream = PgTlsStream;
    type TlsConnect = PgTlsConnect;
    type Error = String;

    fn make_tls_connect(&mut self, host: &str) -> Result<PgTlsConnect, String> {
        let name = match ServerName::try_from(host.to_owned()) {
            Ok(name) => name,
            // Only a certificate check needs the name; without one, a connection by
            // `hostaddr` alone sends no server name (as for any IP address).
            Err(_) if matches!(self.mode, SslMode::Prefer | SslMode::Require) => {
                ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into())
            }
            Err(_) => {
                return Err(format!(
                    "sslmode=verify-ca and verify-full need the server's host name in the \
                     URL, and {host:?} is not one"
                ));
            }
        };
        Ok(PgTlsConnect {
            config: Arc::clone(&self.config),
            name,
        })
    }
}

/// One connection's handshake.
pub struct PgTlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for PgTlsConnect {
    type Stream = PgTlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<PgTlsStream>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move {
            let stream = connector.connect(self.name, socket).await?;
            Ok(PgTlsStream(Box::new(stream)))
        })
    }
}

/// An encrypted connection to PostgreSQL.
pub struct PgTlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl AsyncRead for PgTlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_shutdown(cx)
    }
}

impl TlsStream for PgTlsStream {
    /// No channel binding: its hash depends on the certificate's signature algorithm,
    /// and a wrong one fails the login; SCRAM without binding still authenticates.
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_parameters_are_read_and_the_rest_is_left_to_the_driver() {
        let target = parse_url(
            "postgres://u:p%40ss@db.example:5433/portal?sslmode=require&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(target.tls.mode(), SslMode::Require);
        assert_eq!(target.config.get_ssl_mode(), DriverMode::Require);
        assert_eq!(target.config.get_password(), Some(&b"p@ss"[..]));
        assert_eq!(
            target.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );

        let plain = parse_url("postgres://u@localhost/portal").unwrap();
        assert_eq!(plain.tls.mode(), SslMode::Prefer);
        assert_eq!(plain.config.get_ssl_mode(), DriverMode::Prefer);

        let off = parse_url("postgresql://u@localhost/portal?sslmode=disable").unwrap();
        assert_eq!(off.config.get_ssl_mode(), DriverMode::Disable);
    }

    #[test]
    fn bad_tls_settings_are_refused_in_words() {
        let err = parse_url("postgres://u@h/db?sslmode=allow").err().unwrap();
        assert!(err.contains("sslmode=allow is not supported"), "{err}");
        let err =
            parse_url("postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
                .err()
                .unwrap();
        assert!(err.starts_with("sslrootcert /nonexistent/ca.pem:"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let url = format!(
            "postgres://u@h/db?sslmode=verify-ca&sslrootcert={}",
            empty.display()
        );
        let err = parse_url(&url).err().unwrap();
        assert!(err.contains("holds no certificate"), "{err}");
        let err = parse_url("postgres://u@h/db?sslmode=require&bogus=1")
            .err()
            .unwrap();
        assert!(err.starts_with("the PostgreSQL URL is not valid"), "{err}");
    }

    #[test]
    fn loopback_hosts_are_told_apart() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["db.example", "10.0.0.5", "localhost.example", "::2"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn a_verifying_mode_needs_a_host_name() {
        let mut tls = parse_url("postgres://u@h/db?sslmode=require").unwrap().tls;
        assert!(tls.make_tls_connect("").is_ok());
        let mut tls = PgTls::new(SslMode::VerifyFull, Some(test_roots())).unwrap();
        let err = tls.make_tls_connect("").err().unwrap();
        assert!(err.contains("need the server's host name"), "{err}");
        assert!(tls.make_tls_connect("db.example").is_ok());
    }

    fn test_roots() -> RootCertStore {
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        roots
    }
}
