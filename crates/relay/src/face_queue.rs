//! The face model's queue: a fixed number of places for photo checks and face matches waiting
//! or running, a quota per client address and per NID so that no one holds every place, and
//! places that last as long as the work. A [`Place`] moves into the face model's job, so a client that
//! hangs up cannot free its place while the model still works on its photo.

use caretrail_types::Nid;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many places, and how many one client address or one NID may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceLimits {
    pub places: usize,
    pub per_client: usize,
    pub per_nid: usize,
}

impl Default for FaceLimits {
    fn default() -> Self {
        Self {
            places: 8,
            per_client: 2,
            per_nid: 1,
        }
    }
}

/// Why no place was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    #[error("the face match is busy; try again in a minute")]
    Full,
    #[error("this address already has {0} face match(es) under way; wait for them to finish")]
    Client(usize),
    #[error("a face match for this national ID is already under way; wait for it to finish")]
    Nid,
}

#[derive(Debug, Default)]
struct Holders {
    clients: HashMap<IpAddr, usize>,
    nids: HashMap<Nid, usize>,
}

impl Holders {
    fn release(&mut self, client: IpAddr, nid: &Nid) {
        fn down<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
            if let Some(n) = map.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(key);
                }
            }
        }
        down(&mut self.clients, &client);
        down(&mut self.nids, nid);
    }
}

/// The queue.
#[derive(Debug)]
pub struct FaceQueue {
    limits: FaceLimits,
    places: Arc<Semaphore>,
    holders: Arc<Mutex<Holders>>,
}

/// One place in the queue, held by `client` for `nid`, given back when dropped.
#[derive(Debug)]
pub struct Place {
    _permit: OwnedSemaphorePermit,
    client: IpAddr,
    nid: Nid,
    holders: Arc<Mutex<Holders>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.holders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .release(self.client, &self.nid);
    }
}

impl FaceQueue {
    pub fn new(limits: FaceLimits) -> Self {
        Self {
            limits,
            places: Arc::new(Semaphore::new(limits.places)),
            holders: Arc::default(),
        }
    }

    /// A place for `client`'s work on `nid`, or why not, at once: a full queue refuses rather
    /// than piling photos up in memory.
    pub fn take(&self, client: IpAddr, nid: &Nid) -> Result<Place, Busy> {
        let mut holders = self.holders.lock().unwrap_or_else(PoisonError::into_inner);
        let by_client = holders.clients.get(&client).copied().unwrap_or(0);
        if by_client >= self.limits.per_client {
            return Err(Busy::Client(by_client));
        }
        if holders.nids.get(nid).copied().unwrap_or(0) >= self.limits.per_nid {
            return Err(Busy::Nid);
        }
        let permit = self
            .places
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy::Full)?;
        *holders.clients.entry(client).or_default() += 1;
        *holders.nids.entry(nid.clone()).or_default() += 1;
        Ok(Place {
            _permit: permit,
            client,
            nid: nid.clone(),
            holders: self.holders.clone(),
        })
    }

    /// Places taken now (waiting or running).
    pub fn in_use(&self) -> usize {
        self.limits.places - self.places.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nid(text: &str) -> Nid {
        Nid::parse(text).expect("nid")
    }

    #[test]
    fn places_are_shared_out_by_client_and_by_nid_and_come_back_when_dropped() {
        let queue = FaceQueue::new(FaceLimits {
            places: 3,
            per_client: 2,
            per_nid: 1,
        });
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = (
            "192.0.2.1".parse().expect("ip"),
            "192.0.2.2".parse().expect("ip"),
            "192.0.2.3".parse().expect("ip"),
        );
        let first = queue.take(a, &nid("19710302-4411")).expect("a place");
        assert_eq!(
            queue.take(b, &nid("19710302-4411")).expect_err("same NID"),
            Busy::Nid
        );
        let second = queue
            .take(a, &nid("19800101-1234"))
            .expect("a second place");
        assert_eq!(
            queue
                .take(a, &nid("19900101-1111"))
                .expect_err("a third for a"),
            Busy::Client(2)
        );
        let third = queue.take(b, &nid("19900101-1111")).expect("b's place");
        assert_eq!(queue.in_use(), 3);
        assert_eq!(
            queue.take(c, &nid("19950101-2222")).expect_err("full"),
            Busy::Full
        );
        drop(first);
        assert_eq!(queue.in_use(), 2);
        // Given back: the NID and a's quota are free again.
        let again = queue.take(c, &nid("19710302-4411")).expect("freed");
        drop((second, third, again));
        assert_eq!(queue.in_use(), 0);
        let holders = queue.holders.lock().expect("lock");
        assert!(holders.clients.is_empty() && holders.nids.is_empty());
    }

    #[test]
    fn a_place_moved_into_work_stays_taken_until_the_work_ends() {
        let queue = FaceQueue::new(FaceLimits {
            places: 1,
            per_client: 1,
            per_nid: 1,
        });
        let client: IpAddr = "192.0.2.1".parse().expect("ip");
        let place = queue.take(client, &nid("19710302-4411")).expect("a place");
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let work = std::thread::spawn(move || {
            let _place = place;
            wait.recv().ok();
        });
        assert_eq!(queue.in_use(), 1, "taken while the work runs");
        assert_eq!(
            queue.take(client, &nid("19800101-1234")).expect_err("busy"),
            Busy::Client(1)
        );
        go.send(()).expect("send");
        work.join().expect("join");
        assert_eq!(queue.in_use(), 0);
    }
}
