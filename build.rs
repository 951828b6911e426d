//! Rebuilds the binary when a migration is added or changed: `embed_migrations!` reads the
//! `migrations` folder at compile time, and cargo does not otherwise know that it depends on it
//! (diesel_migrations' documentation).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
