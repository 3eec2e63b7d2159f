//! `docs/LANGUAGE.md`'s directive tables, generated from the rows.
