//! The framework floor of the load tests (`bench/load.py`): a bare
//! actix-web handler answering every GET with the same JSON bytes from
//! memory, with the server's worker count. What the real task list costs
//! above this is ours (authentication, the query, serialisation).
//!
//! `cargo run --release -p server --example floor -- BODY.json PORT`

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: floor BODY.json PORT");
        std::process::exit(2);
    };
    let port: u16 = port
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let body = web::Bytes::from(std::fs::read(path)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::get().to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
