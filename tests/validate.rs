//! Every file generated for the bundled `sites/` passes its real validator:
//! `caddy validate` for Caddyfiles, `nginx -t` for NGINX confs.
//!
//! Each host is built under a temporary prefix (the `prefix` a host may
//! set), so every path the configs name — certificates, webroots, site
//! roots — lands in the test's folder, where self-signed certificates are
//! made for them.

mod common;

use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};
use infrac::render::{self, HostTree};

/// Builds `sites/` with every host under `root/<host>/`, writes the trees
/// there, and returns them.
fn build_under(root: &Utf8Path) -> Vec<HostTree> {
    let mut model = common::sites_model();
    for host in &mut model.hosts {
        host.prefix = Some(root.join(&host.name));
    }
    let trees = render::render(&model).expect("renders");
    for tree in &trees {
        for file in &tree.files {
            let path = root.join(&tree.host).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.content).unwrap();
        }
    }
    trees
}

/// Makes a certificate for every `ssl_certificate`/`tls CERT KEY` a config
/// names (they are all under the test's folder).
fn make_certificates(config: &str, root: &Utf8Path) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut pending_cert = None;
    for line in config.lines().map(str::trim) {
        let words: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
        match words.as_slice() {
            ["ssl_certificate", cert] => pending_cert = Some((*cert).to_owned()),
            ["ssl_certificate_key", key] => {
                pairs.push((pending_cert.take().unwrap(), (*key).to_owned()))
            }
            ["tls", cert, key] if cert.ends_with(".pem") => {
                pairs.push(((*cert).to_owned(), (*key).to_owned()))
            }
            _ => {}
        }
    }
    for (cert, key) in pairs {
        assert!(
            cert.starts_with(root.as_str()),
            "{cert} is outside the host's prefix"
        );
        if !Utf8Path::new(&cert).exists() {
            common::self_signed(cert.as_ref(), key.as_ref());
        }
    }
}

#[test]
fn every_caddyfile_passes_caddy_validate() {
    let caddy = common::require_tool("caddy");
    let root = common::temp_dir("validate-caddy");
    let trees = build_under(&root);
    let mut validated = 0;
    for tree in &trees {
        for file in tree
            .files
            .iter()
            .filter(|f| f.path.as_str() == "etc/caddy/Caddyfile")
        {
            let path = root.join(&tree.host).join(&file.path);
            make_certificates(&file.content, &root);
            let out = Command::new(&caddy)
                .args([
                    "validate",
                    "--adapter",
                    "caddyfile",
                    "--config",
                    path.as_str(),
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "caddy validate rejects {}:\n{}\n--- file ---\n{}",
                path,
                String::from_utf8_lossy(&out.stderr),
                file.content
            );
            validated += 1;
        }
    }
    // venus, kestrel, v3b, ci3, awesome.
    assert_eq!(validated, 5);
}

#[test]
fn every_nginx_conf_passes_nginx_t() {
    let nginx = common::require_tool("nginx");
    let root = common::temp_dir("validate-nginx");
    let trees = build_under(&root);
    let mut validated = 0;
    for tree in trees
        .iter()
        .filter(|t| t.files.iter().any(|f| f.path.starts_with("etc/nginx")))
    {
        let host_root = root.join(&tree.host);
        for file in &tree.files {
            make_certificates(&file.content, &root);
        }
        let conf = write_nginx_conf(&host_root);
        let out = Command::new(&nginx)
            .args(["-t", "-c", conf.as_str()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "nginx -t rejects {}:\n{stderr}",
            tree.host
        );
        assert!(
            !stderr.contains("[warn]"),
            "nginx -t warns for {}:\n{stderr}",
            tree.host
        );
        validated += 1;
    }
    // opam-4 and opam-5.
    assert_eq!(validated, 2);
}

/// A minimal main nginx.conf that includes the host's conf.d, as the
/// distribution's does.
pub fn write_nginx_conf(host_root: &Utf8Path) -> Utf8PathBuf {
    let conf = host_root.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "pid {root}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n    access_log off;\n    include /etc/nginx/mime.types;\n    include {root}/etc/nginx/conf.d/*.conf;\n}}\n",
            root = host_root
        ),
    )
    .unwrap();
    conf
}
