//! A wasm32 module holding one typed call (built only to measure the crate's size in wasm; see
//! client/Cargo.toml). Natively it is a no-op program.

#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn one_call() -> u32 {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let Ok(client) = iterable_client::Client::new("fake-size-key") else { return 1 };
    let input = iterable_client::actions::TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), ..Default::default() };
    let mut call = Box::pin(client.track_event(input));
    match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(_)) => 0,
        Poll::Ready(Err(_)) => 2,
        Poll::Pending => 3,
    }
}

