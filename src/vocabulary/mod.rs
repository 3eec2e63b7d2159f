//! The vocabulary of the language: one row per directive, below both
//! `syntax` and `check`.
//!
//! A row ([`Spec`]) holds everything said about a directive: its name, the
//! block it appears in, its arguments with their value types (a choice list,
//! a reference kind, a typed value), whether it may repeat, whether a
//! declaration needs it, whether it opens a block, how it is written, what it
//! means, its default and a concrete example. The checker takes argument
//! counts, blocks, repeats, required settings and choice lists from the row;
//! syntax errors take their expected-word lists from it; `docs/LANGUAGE.md`'s
//! tables are generated from it ([`docs`]).
//!
//! Each block's rows are typed by that block's id enum (`site::Id`, …), so a
//! reader dispatches with an exhaustive `match`: a row without a reader does
//! not compile.

pub mod docs;
mod table;

pub use table::{
    FLAG, cron, defaults, host, pool, service, site, static_, subproject, top, unit, webhook,
};

use crate::diag::Code;

/// Whether a directive takes a `{ … }` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockUse {
    Never,
    Optional,
    Required,
}

/// How a directive reads in its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// A top-level declaration.
    Declaration,
    /// A site route: matched against requests.
    Route,
    Setting,
}

/// How many times a parameter is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    One,
    Optional,
    /// One or more.
    Many,
}

/// What kind of declaration a reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    /// A host or a pool (`on`).
    Placement,
    Host,
    Site,
    /// A service, or a URL the proxy reaches (`proxy`).
    Backend,
    Profile,
}

impl Ref {
    /// The declarations (top-level directive names) it may name.
    #[must_use]
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Ref::Placement => &["host", "pool"],
            Ref::Host => &["host"],
            Ref::Site => &["site"],
            Ref::Backend => &["service"],
            Ref::Profile => &["sysctl"],
        }
    }
}

/// The type of one argument: each is parsed in one place in the checker
/// and has its own diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A declaration's name.
    Name,
    /// Free text, checked only for characters and length.
    Text,
    /// One of these words.
    Choice(&'static [&'static str]),
    Ref(Ref),
    Domain,
    /// A DNS name or an IP address.
    Address,
    Port,
    Duration,
    /// Five cron fields or `@daily`-style.
    CronSchedule,
    /// A systemd calendar event.
    Calendar,
    AbsPath,
    /// A path, absolute or relative to the site root.
    Path,
    /// A URL path, possibly ending in `/*`.
    Pattern,
    /// Where a redirect goes: a URL or URL path with placeholders.
    Target,
    Url,
    Email,
    User,
    Image,
    EnvName,
    GitRef,
    Status,
    HeaderName,
    HeaderValue,
    FileName,
    QueryParam,
    /// A command line.
    Command,
    SysctlKey,
    UnitName,
    /// `Section.Key` of a unit setting.
    UnitSetting,
    HostKey,
    /// `PORT:PORT[/udp]`.
    Publish,
    /// `SOURCE:/TARGET[:ro]`.
    Volume,
    /// A swarm placement constraint.
    Constraint,
    /// A whole number.
    Number,
    /// A number of bytes: `512k`, `100m`, `1g`.
    Size,
    /// An IP address or a network: `10.0.0.0/8`, `2001:db8::/32`.
    Network,
}

impl Ty {
    /// The diagnostic code of a value that is not of this type.
    #[must_use]
    pub fn code(self) -> Code {
        match self {
            Ty::Name => Code::InvalidName,
            Ty::Text | Ty::HeaderValue => Code::InvalidText,
            Ty::Choice(_) => Code::InvalidValue,
            Ty::Ref(Ref::Placement | Ref::Host) => Code::UnknownHost,
            Ty::Ref(Ref::Site) => Code::UnknownSite,
            Ty::Ref(Ref::Backend) => Code::UnknownService,
            Ty::Ref(Ref::Profile) => Code::UnknownProfile,
            Ty::Domain => Code::InvalidDomain,
            Ty::Address | Ty::Network => Code::InvalidAddress,
            Ty::Port => Code::InvalidPort,
            Ty::Duration => Code::InvalidDuration,
            Ty::CronSchedule | Ty::Calendar => Code::InvalidSchedule,
            Ty::AbsPath | Ty::Path | Ty::Pattern => Code::InvalidPath,
            Ty::Target | Ty::Url => Code::InvalidUrl,
            Ty::Email => Code::InvalidEmail,
            Ty::User => Code::InvalidUser,
            Ty::Image => Code::InvalidImage,
            Ty::EnvName => Code::InvalidEnvName,
            Ty::GitRef => Code::InvalidGitRef,
            Ty::Status => Code::InvalidStatus,
            Ty::HeaderName => Code::InvalidHeader,
            Ty::FileName => Code::InvalidFileName,
            Ty::QueryParam => Code::InvalidQueryParam,
            Ty::Command => Code::InvalidCommand,
            Ty::SysctlKey => Code::UnknownSysctlKey,
            Ty::UnitName => Code::InvalidUnitName,
            Ty::UnitSetting => Code::UnknownUnitSetting,
            Ty::HostKey => Code::InvalidHostKey,
            Ty::Publish => Code::InvalidPublish,
            Ty::Volume => Code::InvalidVolume,
            Ty::Constraint => Code::InvalidPlacement,
            Ty::Number => Code::InvalidNumber,
            Ty::Size => Code::InvalidSize,
        }
    }
}

/// One argument of a directive.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// How the usage text names it (`PORT`, `/PATH`).
    pub name: &'static str,
    pub ty: Ty,
    pub count: Count,
}

#[must_use]
pub const fn one(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        count: Count::One,
    }
}

#[must_use]
pub const fn opt(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        count: Count::Optional,
    }
}

#[must_use]
pub const fn many(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        count: Count::Many,
    }
}

/// Whether a declaration needs a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    No,
    /// Required; without it, the label says why it matters and the help
    /// how to add it.
    Yes {
        label: &'static str,
        help: &'static str,
    },
    /// One of the rows naming the same `what` is required ("a schedule":
    /// `schedule` or `every`).
    OneOf {
        what: &'static str,
        help: &'static str,
    },
}

/// One directive.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub params: &'static [Param],
    pub block: BlockUse,
    /// The kind of block it opens, if it takes one.
    pub opens: Option<Block>,
    pub repeat: bool,
    pub need: Need,
    pub group: Group,
    /// How it is written, for help texts and the docs.
    pub usage: &'static str,
    /// What it means, one line (the docs' table).
    pub doc: &'static str,
    /// What holds without it (`defaults`' table).
    pub default: &'static str,
    /// A concrete, valid use of it (in a program of the shape the tests
    /// generate): docs, and every string position tests can reach.
    pub example: &'static str,
}

impl Spec {
    /// The fewest arguments it takes.
    #[must_use]
    pub fn min(&self) -> usize {
        self.params
            .iter()
            .filter(|p| p.count != Count::Optional)
            .count()
    }

    /// The most arguments it takes; `None`: any number.
    #[must_use]
    pub fn max(&self) -> Option<usize> {
        if self.params.iter().any(|p| p.count == Count::Many) {
            None
        } else {
            Some(self.params.len())
        }
    }

    /// The parameter argument `i` of `n` (lists flattened) stands for: each
    /// parameter takes its share in order, an optional one only when the
    /// arguments left exceed what the required ones after it need.
    #[must_use]
    pub fn param_of(&self, i: usize, n: usize) -> Option<&'static Param> {
        let mut at = 0;
        for (j, p) in self.params.iter().enumerate() {
            let needed_after = self.params[j + 1..]
                .iter()
                .filter(|p| p.count != Count::Optional)
                .count();
            let left = n.saturating_sub(at);
            let takes = match p.count {
                Count::One => 1,
                Count::Optional => usize::from(left > needed_after),
                Count::Many => left.saturating_sub(needed_after).max(1),
            };
            if i < at + takes {
                return Some(p);
            }
            at += takes;
        }
        None
    }

    /// The choice list of parameter `i` (empty when it is not a choice).
    #[must_use]
    pub fn choices(&self, i: usize) -> &'static [&'static str] {
        match self.params.get(i).map(|p| p.ty) {
            Some(Ty::Choice(list)) => list,
            _ => &[],
        }
    }
}

/// A row of a block's table, typed by that block's directive ids.
#[derive(Clone, Copy, Debug)]
pub struct Row<I: 'static> {
    pub id: I,
    pub spec: Spec,
}

impl<I: Copy> Row<I> {
    /// A setting given once, not required, taking no block.
    #[must_use]
    pub const fn new(id: I, name: &'static str, params: &'static [Param]) -> Self {
        Row {
            id,
            spec: Spec {
                name,
                params,
                block: BlockUse::Never,
                opens: None,
                repeat: false,
                need: Need::No,
                group: Group::Setting,
                usage: "",
                doc: "",
                default: "",
                example: "",
            },
        }
    }

    #[must_use]
    pub const fn repeat(mut self) -> Self {
        self.spec.repeat = true;
        self
    }

    #[must_use]
    pub const fn route(mut self) -> Self {
        self.spec.group = Group::Route;
        self
    }

    #[must_use]
    pub const fn declaration(mut self, opens: Block) -> Self {
        self.spec.group = Group::Declaration;
        self.spec.block = BlockUse::Required;
        self.spec.opens = Some(opens);
        self
    }

    /// It may have a block of this kind.
    #[must_use]
    pub const fn block(mut self, opens: Block) -> Self {
        self.spec.block = BlockUse::Optional;
        self.spec.opens = Some(opens);
        self
    }

    #[must_use]
    pub const fn required(mut self, label: &'static str, help: &'static str) -> Self {
        self.spec.need = Need::Yes { label, help };
        self
    }

    #[must_use]
    pub const fn one_of(mut self, what: &'static str, help: &'static str) -> Self {
        self.spec.need = Need::OneOf { what, help };
        self
    }

    #[must_use]
    pub const fn usage(mut self, usage: &'static str) -> Self {
        self.spec.usage = usage;
        self
    }

    #[must_use]
    pub const fn doc(mut self, doc: &'static str) -> Self {
        self.spec.doc = doc;
        self
    }

    #[must_use]
    pub const fn default(mut self, default: &'static str) -> Self {
        self.spec.default = default;
        self
    }

    #[must_use]
    pub const fn example(mut self, example: &'static str) -> Self {
        self.spec.example = example;
        self
    }
}

/// A block's directive ids and their rows.
pub trait Directives: Copy + Eq + std::fmt::Debug + 'static {
    const BLOCK: Block;
    const ROWS: &'static [Row<Self>];

    #[must_use]
    fn lookup(name: &str) -> Option<&'static Row<Self>> {
        Self::ROWS.iter().find(|r| r.spec.name == name)
    }

    /// This id's row.
    #[must_use]
    fn spec(self) -> &'static Spec {
        &Self::ROWS
            .iter()
            .find(|r| r.id == self)
            .expect("every id has a row (vocabulary test)")
            .spec
    }
}

/// The kinds of block, named after the directive that opens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Top,
    Defaults,
    Host,
    Pool,
    Site,
    Static,
    Subproject,
    Service,
    /// A sysctl profile: its directives are kernel keys, not vocabulary.
    Sysctl,
    Cron,
    Unit,
    Webhook,
}

fn specs_of<I: Directives>() -> Vec<&'static Spec> {
    I::ROWS.iter().map(|r| &r.spec).collect()
}

impl Block {
    /// Every kind of block whose directives are vocabulary (a `sysctl`
    /// profile's are kernel keys).
    pub const VOCABULARY: [Block; 11] = [
        Block::Top,
        Block::Defaults,
        Block::Host,
        Block::Pool,
        Block::Site,
        Block::Static,
        Block::Subproject,
        Block::Service,
        Block::Cron,
        Block::Unit,
        Block::Webhook,
    ];

    /// The rows of this block.
    #[must_use]
    pub fn specs(self) -> Vec<&'static Spec> {
        match self {
            Block::Top => specs_of::<top::Id>(),
            Block::Defaults => specs_of::<defaults::Id>(),
            Block::Host => specs_of::<host::Id>(),
            Block::Pool => specs_of::<pool::Id>(),
            Block::Site => specs_of::<site::Id>(),
            Block::Static => specs_of::<static_::Id>(),
            Block::Subproject => specs_of::<subproject::Id>(),
            Block::Service => specs_of::<service::Id>(),
            Block::Sysctl => Vec::new(),
            Block::Cron => specs_of::<cron::Id>(),
            Block::Unit => specs_of::<unit::Id>(),
            Block::Webhook => specs_of::<webhook::Id>(),
        }
    }

    /// The block a directive of this name opens (`None` at the top level).
    #[must_use]
    pub fn from_opener(name: Option<&str>) -> Option<Block> {
        let Some(name) = name else {
            return Some(Block::Top);
        };
        Block::VOCABULARY
            .iter()
            .flat_map(|b| b.specs())
            .find(|s| s.name == name && s.opens.is_some())
            .and_then(|s| s.opens)
    }

    /// How to name this block in messages: "a `site`".
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Block::Top => "the top level of a file",
            Block::Defaults => "`defaults`",
            Block::Host => "a `host`",
            Block::Pool => "a `pool`",
            Block::Site => "a `site`",
            Block::Static => "a `static` block",
            Block::Subproject => "a `subproject`",
            Block::Service => "a `service`",
            Block::Sysctl => "a `sysctl` profile",
            Block::Cron => "a `cron` job",
            Block::Unit => "a `unit`",
            Block::Webhook => "a `webhook`",
        }
    }

    /// What one declaration of this kind is called: "cron job".
    #[must_use]
    pub fn what(self) -> &'static str {
        match self {
            Block::Top => "file",
            Block::Defaults => "defaults",
            Block::Host => "host",
            Block::Pool => "pool",
            Block::Site => "site",
            Block::Static => "static block",
            Block::Subproject => "subproject",
            Block::Service => "service",
            Block::Sysctl => "sysctl profile",
            Block::Cron => "cron job",
            Block::Unit => "unit",
            Block::Webhook => "webhook",
        }
    }

    #[must_use]
    pub fn lookup(self, name: &str) -> Option<&'static Spec> {
        self.specs().into_iter().find(|s| s.name == name)
    }

    /// "a route (`proxy`, `static`, `redirect`, …) or a setting (`domains`, …)"
    #[must_use]
    pub fn expected(self) -> String {
        let names = |group: Group| -> Vec<&'static str> {
            self.specs()
                .iter()
                .filter(|s| s.group == group)
                .map(|s| s.name)
                .collect()
        };
        let list = |names: &[&str], limit: usize| -> String {
            let mut shown: Vec<String> =
                names.iter().take(limit).map(|n| format!("`{n}`")).collect();
            if names.len() > limit {
                shown.push("…".into());
            }
            shown.join(", ")
        };
        match self {
            Block::Top => format!("a declaration ({})", list(&names(Group::Declaration), 9)),
            Block::Sysctl => "a kernel setting (`net.core.default_qdisc fq`)".to_owned(),
            Block::Site => format!(
                "a route ({}) or a setting ({})",
                list(&names(Group::Route), 3),
                list(&names(Group::Setting), 3)
            ),
            _ => format!("a setting ({})", list(&names(Group::Setting), 4)),
        }
    }
}

/// What may stand where a syntax error happened, given the name of the
/// directive whose block is open there (`None` at the top level).
#[must_use]
pub fn expected_in(opener: Option<&str>) -> String {
    match Block::from_opener(opener) {
        Some(block) => block.expected(),
        None => "a directive".to_owned(),
    }
}
