//! Two small async primitives for the page's single thread: a [`Limiter`] (how many parts are
//! on the wire, how many files are in progress — the limits the user sets, changeable while
//! uploads run) and a [`Gate`] (everything waits while the sign-in is renewed).
//!
//! Single-threaded (`Rc`/`RefCell`): the uploads run on the page's event loop, not on threads.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
struct LimiterState {
    limit: usize,
    used: usize,
    waiting: Vec<Waker>,
}

/// At most `limit` holders of a [`Permit`] at a time. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Limiter(Rc<RefCell<LimiterState>>);

impl Limiter {
    pub fn new(limit: usize) -> Self {
        Self(Rc::new(RefCell::new(LimiterState {
            limit: limit.max(1),
            ..LimiterState::default()
        })))
    }

    /// Changes the limit. Raising it lets waiters in at once; lowering it lets permits already
    /// held run to completion.
    pub fn set_limit(&self, limit: usize) {
        let wake = {
            let mut s = self.0.borrow_mut();
            s.limit = limit.max(1);
            std::mem::take(&mut s.waiting)
        };
        wake.into_iter().for_each(Waker::wake);
    }

    pub fn limit(&self) -> usize {
        self.0.borrow().limit
    }

    /// Permits held now.
    pub fn in_use(&self) -> usize {
        self.0.borrow().used
    }

    /// Waits for a free slot. Dropping the future before it resolves takes nothing.
    pub fn acquire(&self) -> Acquire {
        Acquire(self.clone())
    }
}

/// The future of [`Limiter::acquire`].
#[derive(Debug)]
pub struct Acquire(Limiter);

impl Future for Acquire {
    type Output = Permit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let mut s = self.0.0.borrow_mut();
        if s.used < s.limit {
            s.used += 1;
            Poll::Ready(Permit(self.0.clone()))
        } else {
            if !s.waiting.iter().any(|w| w.will_wake(cx.waker())) {
                s.waiting.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}

/// A slot of a [`Limiter`], given back when dropped.
#[derive(Debug)]
pub struct Permit(Limiter);

impl Drop for Permit {
    fn drop(&mut self) {
        // Every waiter is woken: one that was dropped meanwhile would otherwise swallow the
        // wake-up and leave the others asleep. The lists are a handful long.
        let wake = {
            let mut s = self.0.0.borrow_mut();
            s.used = s.used.saturating_sub(1);
            std::mem::take(&mut s.waiting)
        };
        wake.into_iter().for_each(Waker::wake);
    }
}

#[derive(Debug)]
struct GateState<R> {
    closed: Option<R>,
    waiting: Vec<Waker>,
}

/// Open, or closed with a reason; [`Gate::wait`] passes only when open. Cheap to clone.
#[derive(Debug)]
pub struct Gate<R>(Rc<RefCell<GateState<R>>>);

impl<R> Clone for Gate<R> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<R> Default for Gate<R> {
    fn default() -> Self {
        Self(Rc::new(RefCell::new(GateState {
            closed: None,
            waiting: Vec::new(),
        })))
    }
}

impl<R: Clone> Gate<R> {
    /// Closes the gate; returns `false` when it was closed already (the first reason stays).
    pub fn close(&self, reason: R) -> bool {
        let mut s = self.0.borrow_mut();
        if s.closed.is_some() {
            return false;
        }
        s.closed = Some(reason);
        true
    }

    pub fn open(&self) {
        let wake = {
            let mut s = self.0.borrow_mut();
            s.closed = None;
            std::mem::take(&mut s.waiting)
        };
        wake.into_iter().for_each(Waker::wake);
    }

    /// Why it is closed, if it is.
    pub fn reason(&self) -> Option<R> {
        self.0.borrow().closed.clone()
    }

    pub fn wait(&self) -> GateWait<R> {
        GateWait(self.clone())
    }
}

/// The future of [`Gate::wait`].
#[derive(Debug)]
pub struct GateWait<R>(Gate<R>);

impl<R> Future for GateWait<R> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.0.borrow_mut();
        if s.closed.is_none() {
            return Poll::Ready(());
        }
        if !s.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            s.waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::cell::Cell;

    #[test]
    fn at_most_limit_holders_and_the_limit_can_change() {
        let limiter = Limiter::new(2);
        let a = limiter.acquire().now_or_never().expect("first");
        let b = limiter.acquire().now_or_never().expect("second");
        assert!(
            limiter.acquire().now_or_never().is_none(),
            "third must wait"
        );
        assert_eq!(limiter.in_use(), 2);
        drop(a);
        let c = limiter.acquire().now_or_never().expect("a slot was freed");
        limiter.set_limit(3);
        let d = limiter.acquire().now_or_never().expect("raised limit");
        limiter.set_limit(1);
        assert!(limiter.acquire().now_or_never().is_none());
        drop((b, c, d));
        assert_eq!(limiter.in_use(), 0);
        assert!(limiter.acquire().now_or_never().is_some());
    }

    #[test]
    fn waiters_wake_when_a_permit_is_returned_even_if_one_gave_up() {
        let mut pool = LocalPool::new();
        let limiter = Limiter::new(1);
        let held = limiter.acquire().now_or_never().expect("first");
        let done = Rc::new(Cell::new(0));
        // One waiter gives up (its future is dropped) after registering; the other must still
        // be woken.
        let mut quitter = Box::pin(limiter.acquire());
        let waker = futures::task::noop_waker();
        assert!(
            quitter
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let (l, d) = (limiter.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                let _p = l.acquire().await;
                d.set(d.get() + 1);
            })
            .expect("spawn");
        pool.run_until_stalled();
        assert_eq!(done.get(), 0);
        drop(quitter);
        drop(held);
        pool.run_until_stalled();
        assert_eq!(done.get(), 1);
    }

    #[test]
    fn the_gate_holds_everyone_until_opened() {
        let mut pool = LocalPool::new();
        let gate: Gate<&'static str> = Gate::default();
        assert!(gate.wait().now_or_never().is_some());
        assert!(gate.close("sign in"));
        assert!(!gate.close("again"), "the first reason stays");
        assert_eq!(gate.reason(), Some("sign in"));
        let passed = Rc::new(Cell::new(0));
        for _ in 0..3 {
            let (g, p) = (gate.clone(), passed.clone());
            pool.spawner()
                .spawn_local(async move {
                    g.wait().await;
                    p.set(p.get() + 1);
                })
                .expect("spawn");
        }
        pool.run_until_stalled();
        assert_eq!(passed.get(), 0);
        gate.open();
        pool.run_until_stalled();
        assert_eq!(passed.get(), 3);
        assert_eq!(gate.reason(), None);
    }
}
