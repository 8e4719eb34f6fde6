//! The face model's own thread: photo checks and face matches run there one after another, in
//! the order they were handed in (the model is not `Sync`, so they never ran side by side).
//!
//! Before, each ran on tokio's blocking pool and waited there for the model: a burst of verify
//! requests started as many threads as the face queue has places, each with its stack and its
//! allocator caches, kept for 10 s after the burst (tokio's keep-alive), about 10 MiB of the
//! relay's RSS (verify-bench).

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

type Job<M> = Box<dyn FnOnce(&M) + Send>;

/// The thread and the way jobs reach it. The thread ends once this is dropped and its last job
/// has run.
pub struct FaceWorker<M> {
    jobs: mpsc::Sender<Job<M>>,
}

impl<M> std::fmt::Debug for FaceWorker<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceWorker").finish_non_exhaustive()
    }
}

/// The worker's thread is gone, or the job panicked.
#[derive(Debug, thiserror::Error)]
#[error("the face model's work ended without an answer (a panic in the model)")]
pub struct NoAnswer;

impl<M: Send + 'static> FaceWorker<M> {
    /// Moves `model` onto a thread of its own.
    pub fn start(model: M) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job<M>>();
        std::thread::Builder::new()
            .name("face-model".into())
            .spawn(move || {
                for job in queue {
                    // A panic in one match leaves the model as it was: go on with it. The job's
                    // answer channel is dropped, so its caller learns of it.
                    std::panic::catch_unwind(AssertUnwindSafe(|| job(&model))).ok();
                }
            })?;
        Ok(Self { jobs })
    }

    /// Runs `job` on the model's thread, after the jobs handed in before it.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&M) -> T + Send + 'static,
    ) -> Result<T, NoAnswer> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |model| {
                answer.send(job(model)).ok();
            }))
            .map_err(|_| NoAnswer)?;
        answered.await.map_err(|_| NoAnswer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_run_one_by_one_on_one_thread_and_a_panic_does_not_stop_it() {
        // The "model" notes which thread ran each job.
        let worker = Arc::new(
            FaceWorker::start(Mutex::new(Vec::<std::thread::ThreadId>::new())).expect("thread"),
        );
        let jobs: Vec<_> = (0..8)
            .map(|n| {
                let worker = worker.clone();
                tokio::spawn(async move {
                    worker
                        .run(move |seen: &Mutex<Vec<_>>| {
                            std::thread::sleep(std::time::Duration::from_millis(5));
                            seen.lock().expect("lock").push(std::thread::current().id());
                            n
                        })
                        .await
                })
            })
            .collect();
        for (n, job) in jobs.into_iter().enumerate() {
            assert_eq!(job.await.expect("join").expect("answer"), n);
        }
        let panicked = worker.run(|_| -> usize { panic!("a model panics") }).await;
        assert!(matches!(panicked, Err(NoAnswer)));
        let seen = worker
            .run(|seen: &Mutex<Vec<_>>| seen.lock().expect("lock").clone())
            .await
            .expect("the worker goes on after a panic");
        assert_eq!(seen.len(), 8);
        assert!(seen.iter().all(|id| *id == seen[0]), "{seen:?}");
        assert_ne!(seen[0], std::thread::current().id());
    }
}
