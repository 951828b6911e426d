//! The renkei binary run as a process, as operators and the service run it: the command line,
//! migrations, backups and restores, a server killed under load, and mail workers.

mod backup;
mod claims;
mod cli;
mod crash;
mod mail;
mod migrations;
mod region;
mod servers;
mod survey;
