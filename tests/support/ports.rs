//! Ports for the servers the tests start (the app, the SMTP sink, chromedriver): one function,
//! also used by the benchmarks.

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
