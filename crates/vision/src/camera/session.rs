//! A scanning session: one thread takes frames from the source at its pace and sends their
//! previews; another decodes, always the latest frame, the ones it had no time for dropped
//! (never a queue: a slow decode never makes the view lag). The session ends at the first
//! accepted read, when asked to stop, or when the camera is lost.

use super::{CameraError, CameraFrame, FrameSource, Preview};
use caretrail_types::{ErrorCode, ScannedCode, UiError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// A slot for one frame: a new frame replaces the one the decoder has not taken yet.
#[derive(Debug, Default)]
pub struct LatestFrame {
    slot: Mutex<Slot>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct Slot {
    frame: Option<CameraFrame>,
    closed: bool,
    dropped: u64,
}

impl LatestFrame {
    /// Puts `frame` in the slot; true when it replaced a frame never decoded.
    pub fn put(&self, frame: CameraFrame) -> bool {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let replaced = slot.frame.replace(frame).is_some();
        slot.dropped += u64::from(replaced);
        self.ready.notify_one();
        replaced
    }

    /// The latest frame, waiting for one; `None` once the slot is closed and empty (the last
    /// frame put before the camera stopped is still decoded).
    pub fn take(&self) -> Option<CameraFrame> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(frame) = slot.frame.take() {
                return Some(frame);
            }
            if slot.closed {
                return None;
            }
            slot = self
                .ready
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// No frame will be put any more, or none is wanted: [`LatestFrame::take`] returns `None`.
    pub fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.closed = true;
        self.ready.notify_all();
    }

    /// Frames replaced before the decoder took them.
    pub fn dropped(&self) -> u64 {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .dropped
    }
}

/// What a session tells its view while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A frame to draw.
    Preview(Preview),
    /// A frame was decoded and refused; sent when the refusal's code changes, so the view shows
    /// "no code", then "not a Caretrail code"... without a message per frame.
    Refused(UiError),
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// A Caretrail code was read and accepted.
    Read(ScannedCode),
    /// The session was asked to stop.
    Stopped,
    /// The camera could not start, or it stopped giving pictures: `camera_lost` mid-scan,
    /// `no_camera` when it never started.
    Failed(UiError),
}

/// The frames' counts of a session, to check that it dropped rather than queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub captured: u64,
    pub decoded: u64,
    pub dropped: u64,
}

/// A camera error as the view shows it: before the first frame the camera is missing, after it
/// the camera was lost mid-scan.
pub fn camera_refusal(error: &CameraError, streaming: bool) -> UiError {
    let code = match (error, streaming) {
        (CameraError::NoCamera | CameraError::Unavailable { .. }, false) => ErrorCode::NoCamera,
        _ => ErrorCode::CameraLost,
    };
    UiError::new(code, error.to_string())
}

/// Runs a session over `source` until a read is accepted, `stop` is set, or the source fails.
/// `decode` judges a frame (a read, or a refusal); `events` receives previews and refusals from
/// both threads. Blocking: run it on a thread of its own.
pub fn run(
    source: &mut dyn FrameSource,
    decode: &(dyn Fn(&CameraFrame) -> Result<ScannedCode, UiError> + Sync),
    events: &(dyn Fn(Event) + Sync),
    stop: &AtomicBool,
) -> (End, Counts) {
    let latest = LatestFrame::default();
    let mut counts = Counts::default();
    let (captured, failure, decoded) = std::thread::scope(|scope| {
        let decoder = scope.spawn(|| {
            let mut decoded = 0u64;
            let mut last_refusal: Option<ErrorCode> = None;
            while let Some(frame) = latest.take() {
                decoded += 1;
                match decode(&frame) {
                    Ok(code) => {
                        stop.store(true, Ordering::SeqCst);
                        latest.close();
                        return (Some(code), decoded);
                    }
                    Err(refusal) => {
                        if last_refusal != Some(refusal.code) {
                            last_refusal = Some(refusal.code);
                            events(Event::Refused(refusal));
                        }
                    }
                }
            }
            (None, decoded)
        });
        let mut captured = 0u64;
        let mut failure = None;
        while !stop.load(Ordering::SeqCst) {
            match source.next_frame() {
                Ok(frame) => {
                    captured += 1;
                    if let Ok(preview) = Preview::of(&frame, super::PREVIEW_MAX_WIDTH) {
                        events(Event::Preview(preview));
                    }
                    latest.put(frame);
                }
                Err(e) if e.is_transient() => {}
                Err(e) => {
                    failure = Some(camera_refusal(&e, captured > 0));
                    break;
                }
            }
        }
        latest.close();
        let (read, decoded) = decoder.join().unwrap_or((None, 0));
        // A code read before the camera failed still counts.
        (captured, read.map(Ok).or(failure.map(Err)), decoded)
    });
    counts.captured = captured;
    counts.decoded = decoded;
    counts.dropped = latest.dropped();
    let end = match failure {
        Some(Ok(code)) => End::Read(code),
        Some(Err(refusal)) => End::Failed(refusal),
        None => End::Stopped,
    };
    (end, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::PixelFormat;
    use crate::encode::QrImage;
    use crate::verdict::read_frame;
    use std::collections::VecDeque;
    use std::time::Duration;

    const NOW: u64 = 1_800_000_000;

    /// A Caretrail kiosk code's text, valid until `NOW + 300`.
    fn kiosk_text() -> String {
        use caretrail_protocol::qr::{self, Payload, SignedKioskCode};
        let key = caretrail_crypto::SecretKey::from_bytes(&[7; 32]).expect("a key");
        let domain = caretrail_crypto::visit::RegistryDomain {
            chain_id: 31337,
            records: caretrail_types::Address([0x5e; 20]),
        };
        let code = caretrail_types::KioskCode {
            organization: key.address(),
            kiosk: 1,
            nonce: 2,
            expires_at: NOW + 300,
        };
        qr::encode(&Payload::Kiosk(SignedKioskCode::sign(&key, domain, code)))
    }

    /// A grey frame with `text`'s code drawn at 4 pixels a module, or blank.
    fn frame(text: Option<&str>) -> CameraFrame {
        let (width, height) = (320u32, 240u32);
        let mut pixels = vec![200u8; (width * height) as usize];
        if let Some(text) = text {
            let code = QrImage::new(text).expect("encodes");
            let side = code.modules() + 8;
            assert!(side * 4 <= 240);
            for y in 0..side * 4 {
                for x in 0..side * 4 {
                    let (mx, my) = ((x / 4).wrapping_sub(4), (y / 4).wrapping_sub(4));
                    let dark = mx < code.modules() && my < code.modules() && code.is_dark(mx, my);
                    pixels[(y + 8) * width as usize + x + 40] = if dark { 0 } else { 255 };
                }
            }
        }
        CameraFrame {
            pixels,
            width,
            height,
            format: PixelFormat::Luma8,
        }
    }

    /// Frames at a pace, then an error; or, once out of frames, blank frames until stopped.
    struct TestSource {
        frames: VecDeque<CameraFrame>,
        pace: Duration,
        then: Option<CameraError>,
    }

    impl FrameSource for TestSource {
        fn next_frame(&mut self) -> Result<CameraFrame, CameraError> {
            std::thread::sleep(self.pace);
            match (self.frames.pop_front(), &self.then) {
                (Some(frame), _) => Ok(frame),
                (None, Some(e)) => Err(e.clone()),
                (None, None) => Ok(frame(None)),
            }
        }
    }

    fn decode(frame: &CameraFrame) -> Result<ScannedCode, UiError> {
        let frame = frame
            .frame()
            .map_err(|e| UiError::new(ErrorCode::BadPicture, e.to_string()))?;
        read_frame(&frame, NOW)
    }

    #[test]
    fn the_slot_keeps_only_the_latest_frame_and_counts_the_dropped() {
        let latest = LatestFrame::default();
        let mut blank = frame(None);
        for shade in 1..=3u8 {
            blank.pixels[0] = shade;
            assert_eq!(latest.put(blank.clone()), shade > 1);
        }
        assert_eq!(latest.take().expect("a frame").pixels[0], 3);
        assert_eq!(latest.dropped(), 2);
        latest.put(blank);
        latest.close();
        assert!(latest.take().is_some(), "the last frame is still taken");
        assert_eq!(latest.take(), None, "closed and empty");
        assert_eq!(latest.dropped(), 2);
    }

    #[test]
    fn a_session_ends_at_the_first_accepted_read() {
        let text = kiosk_text();
        let frames = [None, None, Some(text.as_str())]
            .into_iter()
            .map(frame)
            .collect();
        let mut source = TestSource {
            frames,
            pace: Duration::from_millis(30),
            then: Some(CameraError::Lost {
                reason: "unplugged".into(),
            }),
        };
        let events = Mutex::new(Vec::new());
        let record = |e: Event| events.lock().expect("not poisoned").push(e);
        let (end, counts) = run(&mut source, &decode, &record, &AtomicBool::new(false));
        let End::Read(code) = end else {
            panic!("no read: {end:?}");
        };
        assert_eq!(code.text, text);
        assert_eq!(code.kind, caretrail_types::QrKind::Kiosk);
        let events = events.into_inner().expect("not poisoned");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::Preview(p) if p.width == 320))
        );
        let refusals: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Refused(r) => Some(r.code),
                _ => None,
            })
            .collect();
        assert_eq!(
            refusals,
            [ErrorCode::NoQrCode],
            "one message for the blank frames"
        );
        assert!(counts.decoded >= 1 && counts.captured >= 3, "{counts:?}");
    }

    #[test]
    fn a_slow_decoder_drops_frames_rather_than_queueing_them() {
        // Small frames: their previews cost next to nothing beside the decoder's 40 ms.
        let small = CameraFrame {
            pixels: vec![128; 16 * 12],
            width: 16,
            height: 12,
            format: PixelFormat::Luma8,
        };
        let frames = (0..60).map(|_| small.clone()).collect();
        let mut source = TestSource {
            frames,
            pace: Duration::from_millis(2),
            then: Some(CameraError::Lost {
                reason: "end of test".into(),
            }),
        };
        let slow = |_: &CameraFrame| -> Result<ScannedCode, UiError> {
            std::thread::sleep(Duration::from_millis(40));
            Err(UiError::new(ErrorCode::NoQrCode, "none"))
        };
        let (end, counts) = run(&mut source, &slow, &|_| {}, &AtomicBool::new(false));
        assert!(
            matches!(end, End::Failed(ref e) if e.code == ErrorCode::CameraLost),
            "{end:?}"
        );
        assert_eq!(counts.captured, 60);
        assert!(counts.dropped > 0, "{counts:?}");
        assert!(
            counts.decoded + counts.dropped <= counts.captured,
            "{counts:?}"
        );
        assert!(counts.decoded < 30, "it decoded a queue: {counts:?}");
    }

    #[test]
    fn a_camera_that_disappears_mid_scan_ends_the_session_with_camera_lost() {
        let mut source = TestSource {
            frames: (0..3).map(|_| frame(None)).collect(),
            pace: Duration::from_millis(5),
            then: Some(CameraError::Lost {
                reason: "No such device (os error 19)".into(),
            }),
        };
        let (end, counts) = run(&mut source, &decode, &|_| {}, &AtomicBool::new(false));
        let End::Failed(e) = end else {
            panic!("{end:?}");
        };
        assert_eq!(e.code, ErrorCode::CameraLost, "{e}");
        assert!(e.message.contains("unplugged"), "{e}");
        assert!(e.message.contains("os error 19"), "{e}");
        assert_eq!(counts.captured, 3);
    }

    #[test]
    fn a_camera_missing_from_the_start_is_no_camera_and_a_bad_picture_is_skipped() {
        assert_eq!(
            camera_refusal(&CameraError::NoCamera, false).code,
            ErrorCode::NoCamera
        );
        let gone = CameraError::Unavailable {
            what: "does not stream",
            reason: "busy".into(),
        };
        assert_eq!(camera_refusal(&gone, false).code, ErrorCode::NoCamera);
        assert_eq!(camera_refusal(&gone, true).code, ErrorCode::CameraLost);
        let mut source = TestSource {
            frames: VecDeque::new(),
            pace: Duration::from_millis(1),
            then: Some(CameraError::NoCamera),
        };
        let (end, _) = run(&mut source, &decode, &|_| {}, &AtomicBool::new(false));
        assert!(
            matches!(end, End::Failed(ref e) if e.code == ErrorCode::NoCamera),
            "{end:?}"
        );
        assert!(CameraError::BadPicture { reason: "x".into() }.is_transient());
    }

    #[test]
    fn a_session_asked_to_stop_stops() {
        let stop = AtomicBool::new(false);
        let mut source = TestSource {
            frames: VecDeque::new(),
            pace: Duration::from_millis(2),
            then: None,
        };
        let previews = std::sync::atomic::AtomicU64::new(0);
        let on_event = |e: Event| {
            if matches!(e, Event::Preview(_)) && previews.fetch_add(1, Ordering::SeqCst) == 4 {
                stop.store(true, Ordering::SeqCst);
            }
        };
        let (end, counts) = run(&mut source, &decode, &on_event, &stop);
        assert_eq!(end, End::Stopped);
        assert_eq!(counts.captured, 5);
    }
}
