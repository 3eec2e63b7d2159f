//! The contract between `build` and `apply`: `out/<host>/manifest.json`.
//!
//! The applier works from a manifest and the files it lists, nothing else,
//! so `infrac apply --from out/` and an apply straight after a build take
//! the same path.

use camino::Utf8PathBuf;
use serde::{Deserialize, Serialize};

use crate::model::{SecretRef, Ssh};

/// What must happen on the host after a file changes. In the manifest:
/// `caddy`, `nginx`, `sysctl`, `containers`, `systemd:NAME.service`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// Declared in the order reloads run: the proxy last, once what it
/// forwards to is up.
pub enum Reload {
    Sysctl,
    /// `docker stack deploy` / `docker-compose up -d` of the host's stack.
    Containers,
    /// `systemctl daemon-reload`, then enable and restart this unit.
    Systemd(String),
    Caddy,
    Nginx,
}

impl Reload {
    /// Whether this reloads the host's reverse proxy (and so must be proved).
    #[must_use]
    pub fn is_proxy(&self) -> bool {
        matches!(self, Reload::Caddy | Reload::Nginx)
    }
}

impl std::fmt::Display for Reload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reload::Caddy => f.write_str("caddy"),
            Reload::Nginx => f.write_str("nginx"),
            Reload::Sysctl => f.write_str("sysctl"),
            Reload::Containers => f.write_str("containers"),
            Reload::Systemd(unit) => write!(f, "systemd:{unit}"),
        }
    }
}

impl std::str::FromStr for Reload {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "caddy" => Reload::Caddy,
            "nginx" => Reload::Nginx,
            "sysctl" => Reload::Sysctl,
            "containers" => Reload::Containers,
            _ => match s.strip_prefix("systemd:") {
                Some(unit) if !unit.is_empty() && !unit.contains(char::is_whitespace) => {
                    Reload::Systemd(unit.to_owned())
                }
                _ => return Err(format!("unknown reload `{s}`")),
            },
        })
    }
}

impl Serialize for Reload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One file of the host's tree.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct File {
    /// Relative to the host's root (`etc/caddy/Caddyfile`).
    pub path: Utf8PathBuf,
    /// Octal, four digits (`0644`).
    pub mode: String,
    pub owner: String,
    pub sha256: String,
    pub reload: Option<Reload>,
    /// Source files it was generated from.
    pub sources: Vec<Utf8PathBuf>,
    /// The certificate (a `certificates` name) it needs: the file is
    /// installed only once that certificate exists on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// A certificate certbot obtains on the host for its NGINX, which cannot
/// obtain its own: before the files that need it are installed, apply
/// serves HTTP (the ACME challenges) and runs `command`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateRequest {
    /// certbot's name for it (`live/NAME/`).
    pub name: String,
    pub domains: Vec<String>,
    /// The files it is, on the host: while one is missing it is requested.
    pub files: Vec<Utf8PathBuf>,
    /// `certbot certonly …`, run on the host by a shell.
    pub command: String,
}

impl File {
    /// The mode as a number; `None` when the manifest holds something else.
    #[must_use]
    pub fn mode_bits(&self) -> Option<u32> {
        u32::from_str_radix(&self.mode, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
    }
}

/// A reload the host may need, with the commands that do it there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReloadCommands {
    pub name: Reload,
    /// Checks the files in place before anything is reloaded (`nginx -t`).
    pub validate: Option<String>,
    pub command: String,
}

/// After a proxy reload, `url` (on the host) must answer `build`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Proof {
    pub url: String,
    pub build: String,
}

/// A secret a file refers to, materialised on the host by the applier.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretUse {
    /// What refers to it (`compose:www`, `unit:infrac-webhook-docs`).
    pub used_by: String,
    pub name: String,
    pub from: SecretRef,
    /// For environment secrets: the file (relative to the host's root) the
    /// applier writes `NAME=value` into, mode 0600. File secrets are read
    /// where they are.
    pub env_file: Option<Utf8PathBuf>,
    /// The env file's mode: readable by root only.
    pub env_file_mode: Option<String>,
    /// What must reload when the env file changes.
    pub reload: Option<Reload>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub host: String,
    /// Where the tree lands on the host (`/` unless `prefix` is set).
    pub root: Utf8PathBuf,
    pub ssh: Ssh,
    /// Pools the host is a member of: rolled one member at a time.
    pub pools: Vec<String>,
    pub files: Vec<File>,
    /// In the order they run.
    pub reloads: Vec<ReloadCommands>,
    pub secrets: Vec<SecretUse>,
    pub proof: Option<Proof>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateRequest>,
}

impl Manifest {
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }
}
