//! The signing stand-in's mutual-TLS listener: TLS 1.2+ with the sandbox's server
//! certificate (issued by the sandbox CA to Posten's organisation number, like the real one),
//! and a client certificate required and checked against the sandbox CA. A client without one,
//! or with another CA's, fails the handshake, as the real service's does ("certificate
//! unknown"). Handlers learn the client certificate's organisation number.

use std::net::SocketAddr;
use std::pin::Pin;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use kommunepost_core::maskinporten::org_number_of;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod, SslVerifyMode, SslVersion};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_openssl::SslStream;

use crate::ca::{EnterpriseCertificate, TestCa};

/// Builds the acceptor: our certificate, client certificates from `ca` required.
pub fn acceptor(
    server: &EnterpriseCertificate,
    ca: &TestCa,
) -> Result<SslAcceptor, openssl::error::ErrorStack> {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    // The service states TLS 1.2 only (§2.2); with it a refused client certificate ends the
    // handshake itself, as there (in TLS 1.3 the client would learn it only on first write).
    builder.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    builder.set_max_proto_version(Some(SslVersion::TLS1_2))?;
    builder.set_private_key(&server.key)?;
    builder.set_certificate(&server.certificate)?;
    builder.add_extra_chain_cert(ca.certificate().clone())?;
    builder
        .cert_store_mut()
        .add_cert(ca.certificate().clone())?;
    builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    let mut names = openssl::stack::Stack::new()?;
    names.push(ca.certificate().subject_name().to_owned()?)?;
    builder.set_client_ca_list(names);
    Ok(builder.build())
}

/// Accepts TCP connections and completes TLS handshakes in the background; a failed
/// handshake is logged and dropped without holding up the others.
#[derive(Debug)]
pub struct TlsListener {
    incoming: mpsc::Receiver<(SslStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `listener`.
    pub fn new(listener: TcpListener, acceptor: SslAcceptor) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(64);
        let acceptor = std::sync::Arc::new(acceptor);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    continue;
                };
                if tx.is_closed() {
                    break;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let Ok(ssl) = Ssl::new(acceptor.context()) else {
                        return;
                    };
                    let Ok(mut stream) = SslStream::new(ssl, tcp) else {
                        return;
                    };
                    match Pin::new(&mut stream).accept().await {
                        Ok(()) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Err(error) => {
                            tracing::info!(%error, "signing stand-in: TLS handshake refused");
                        }
                    }
                });
            }
        });
        Ok(Self { incoming, addr })
    }
}

impl Listener for TlsListener {
    type Io = SslStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The acceptor task ended: nothing will come any more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Who is calling: the organisation number in the client certificate.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    /// `None` when the certificate carries none.
    pub org_number: Option<String>,
}

impl Connected<IncomingStream<'_, TlsListener>> for ClientCertificate {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        Self {
            org_number: stream
                .io()
                .ssl()
                .peer_certificate()
                .and_then(|c| org_number_of(&c)),
        }
    }
}
