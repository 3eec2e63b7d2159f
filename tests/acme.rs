//! Certificates from a real ACME server: pebble (Let's Encrypt's test CA)
//! and its mock DNS on loopback, driven through the sshd lab with real
//! Caddy and NGINX.

mod common;

use std::time::Duration;

use common::acme::{Acme, get_https};
use common::lab::{Lab, free_port};

/// A Caddy host whose program names pebble as its ACME directory (and
/// pebble's own certificate as the root to trust for it) obtains its
/// site's certificate there: the site answers over HTTPS with a
/// certificate that chains to pebble's issuing root.
#[test]
fn a_caddy_host_obtains_its_certificate_from_the_programs_acme_server() {
    let lab = Lab::new("acme-caddy");
    let (decl, port, _caddy) = lab.caddy_host("c");
    let https = free_port();
    let acme = Acme::start(&lab.root.join("acme"), port.http, https);
    // The CA's root, on the host (under its prefix) where the program
    // says it is.
    let on_host = lab.host("c").join("etc/ssl/acme-root.pem");
    std::fs::create_dir_all(on_host.parent().unwrap()).unwrap();
    std::fs::copy(&acme.api_root, &on_host).unwrap();
    let decl = decl.replacen(
        "}\n",
        &format!(
            "    https_port {https}\n    acme_email ops@example.org\n    acme_ca {}\n    acme_ca_root /etc/ssl/acme-root.pem\n}}\n",
            acme.directory
        ),
        1,
    );
    lab.page("c", "a", "site a over https");
    lab.write(&format!(
        "defaults {{\n    site_root /srv\n}}\n{decl}site a {{\n    domains a.example.org\n    on c\n    static\n}}\n"
    ));
    let applied = lab.apply(&["--all"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let root = lab.root.join("pebble-issuing-root.pem");
    std::fs::write(&root, acme.issuing_root()).unwrap();
    let answer = get_https("a.example.org", https, &root, Duration::from_mins(1));
    assert_eq!(answer, Ok((200, "site a over https".to_owned())));
}
