//! QR decoding bench: prints tables, times nothing in tests.
//!
//! `cargo bench -p caretrail-vision --bench qr -- [--data DIR] [--per-category N] [--seed S]
//! [--strength mild|hard] [--write DIR] [--zxing-python PATH] [--sets zxing,rqrr,generated]
//! [--no-fit] [--misses]` (or `./scripts/bench-qr.sh`, which installs zxing-cpp
//! in a venv first).
//!
//! Sets: the 179 ZXing photographs (exact text against the `.txt`, byte for byte), rqrr's 21
//! test images (no expected text: reads only), and the generated set (tests/support), with a
//! breakdown by degradation. Rows: each stage of the cascade, cumulatively; rqrr alone; rxing
//! alone; zxing-cpp. Then the fit: each candidate attempt's reads on the generated set, and the
//! greedy order by reads added per millisecond that `CASCADE` follows.

#[path = "../tests/support/generated.rs"]
#[allow(dead_code)]
mod generated;

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use caretrail_vision::decode::{
    Attempt, CANDIDATES, CASCADE, DecodeError, Luma, Options, Outcome, Polarity, Reader, polarity,
    scan,
};
use generated::{Degradation, SEED, Strength, generate_at};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// One picture of a set.
struct Picture {
    name: String,
    luma: Luma,
    /// The exact expected text, where known.
    expected: Option<Vec<u8>>,
    degradation: Option<Degradation>,
    /// Where the picture is on disk (for zxing-cpp).
    path: PathBuf,
}

/// One engine's result on one picture.
#[derive(Clone)]
struct Trial {
    text: Option<String>,
    panics: usize,
    ms: f64,
}

struct Args {
    data: PathBuf,
    per_category: usize,
    seed: u64,
    strength: Strength,
    write: Option<PathBuf>,
    python: PathBuf,
    /// The sets to run (`zxing`, `rqrr`, `generated`); all by default.
    sets: Vec<String>,
    /// Whether to print the fit of the candidates on the generated set.
    fit: bool,
    /// Whether to name the pictures the whole cascade does not read exactly.
    misses: bool,
}

fn args() -> Args {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut args = Args {
        data: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/qr"),
        per_category: 25,
        seed: SEED,
        strength: Strength::Hard,
        write: None,
        sets: vec!["zxing".into(), "rqrr".into(), "generated".into()],
        fit: true,
        misses: false,
        python: std::env::var_os("CARETRAIL_ZXING_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(&home).join(".cache/caretrail/zxing-cpp-venv/bin/python")),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => args.data = value().into(),
            "--per-category" => args.per_category = value().parse().expect("a number"),
            "--seed" => args.seed = value().parse().expect("a number"),
            "--strength" => args.strength = Strength::parse(&value()).expect("mild or hard"),
            "--write" => args.write = Some(value().into()),
            "--zxing-python" => args.python = value().into(),
            "--sets" => args.sets = value().split(',').map(str::to_owned).collect(),
            "--no-fit" => args.fit = false,
            "--misses" => args.misses = true,
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

fn main() {
    std::panic::set_hook(Box::new(|_| {
        PANICS.fetch_add(1, Ordering::SeqCst);
    }));
    let args = args();
    let zxing = zxing_available(&args.python);

    let mut blackbox = Vec::new();
    let mut rqrr_tests = Vec::new();
    let dir = args.data.join("zxing-blackbox");
    let wanted = |set: &str| args.sets.iter().any(|s| s == set);
    match std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())
        .and_then(|entries| {
            if wanted("zxing") {
                Ok(entries)
            } else {
                Err("not asked for".into())
            }
        }) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "png"))
                .collect();
            paths.sort();
            for path in paths {
                let expected = std::fs::read(path.with_extension("txt")).ok();
                blackbox.push(load(&path, expected));
            }
        }
        Err(error) => println!("(no ZXing photographs at {}: {error})", dir.display()),
    }
    let dir = args.data.join("rqrr-tests");
    if let Ok(entries) = std::fs::read_dir(&dir)
        && wanted("rqrr")
    {
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path)
                && let Ok(luma) = Luma::from_image_file(&bytes)
            {
                rqrr_tests.push(Picture {
                    name: path.display().to_string(),
                    luma,
                    expected: None,
                    degradation: None,
                    path,
                });
            } else {
                println!(
                    "(rqrr-tests: {} is not a readable image: left out)",
                    path.display()
                );
            }
        }
    }

    let out = args.write.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "caretrail-qr-bench-{}-{}",
            args.strength.name(),
            args.seed
        ))
    });
    std::fs::create_dir_all(&out).expect("the output folder");
    let started = Instant::now();
    let samples = match wanted("generated") {
        true => generate_at(args.seed, args.per_category, args.strength),
        false => Vec::new(),
    };
    let mut generated_set = Vec::new();
    for sample in samples {
        let path = out.join(format!("{}.png", sample.name));
        std::fs::write(&path, sample.png()).expect("writes the picture");
        std::fs::write(path.with_extension("txt"), &sample.payload).expect("writes the text");
        generated_set.push(Picture {
            name: sample.name.clone(),
            luma: Luma::new(sample.width, sample.height, sample.luma).expect("sizes match"),
            expected: Some(sample.payload.into_bytes()),
            degradation: Some(sample.degradation),
            path,
        });
    }
    println!(
        "generated set: {} pictures, {}, seed {}, in {:.1} s, written to {}",
        generated_set.len(),
        args.strength.name(),
        args.seed,
        started.elapsed().as_secs_f64(),
        out.display()
    );

    if !generated_set.is_empty() {
        let dark = |p: &&Picture| p.degradation == Some(Degradation::DarkMode);
        let inverted = |set: Vec<&Picture>| {
            let total = set.len();
            let count = set
                .into_iter()
                .filter(|p| polarity(&p.luma) == Polarity::LightOnDark)
                .count();
            format!("{count} of {total}")
        };
        println!(
            "polarity from the histogram: light on dark for {} dark-mode pictures, {} others",
            inverted(generated_set.iter().filter(dark).collect()),
            inverted(generated_set.iter().filter(|p| !dark(p)).collect()),
        );
    }
    if args.fit && !generated_set.is_empty() {
        fit(&generated_set);
    }
    for (title, set) in [
        ("ZXing photographs (zxing-blackbox)", &blackbox),
        ("rqrr's test images (rqrr-tests)", &rqrr_tests),
        ("generated set", &generated_set),
    ] {
        if set.is_empty() {
            continue;
        }
        let rows = rows(set, zxing.then_some(args.python.as_path()));
        println!("\n## {title}: {} pictures\n", set.len());
        table(set, &rows);
        if set.iter().any(|p| p.degradation.is_some()) {
            breakdown(set, &rows);
        }
        if args.misses {
            misses(set, &rows);
        }
    }
    if !zxing {
        println!(
            "\nzxing-cpp: no Python with zxing-cpp at {} (run ./scripts/bench-qr.sh, or pass \
             --zxing-python): its row is left out",
            args.python.display()
        );
    }
}

fn load(path: &Path, expected: Option<Vec<u8>>) -> Picture {
    let bytes = std::fs::read(path).expect("reads the picture");
    Picture {
        name: path.display().to_string(),
        luma: Luma::from_image_file(&bytes).expect("a readable picture"),
        expected,
        degradation: None,
        path: path.to_path_buf(),
    }
}

fn timed(f: impl FnOnce() -> Option<String>) -> Trial {
    let panics = PANICS.load(Ordering::SeqCst);
    let start = Instant::now();
    let text = f();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    Trial {
        text,
        panics: PANICS.load(Ordering::SeqCst) - panics,
        ms,
    }
}

fn cascade_trial(luma: &Luma, attempts: &[Attempt]) -> Trial {
    timed(|| {
        let options = Options {
            attempts,
            ..Options::default()
        };
        let start = Instant::now();
        match scan(luma, &options, &mut || start.elapsed()) {
            Ok(read) => Some(read.text),
            Err(DecodeError::SeveralCodes(texts)) => texts.into_iter().next(),
            Err(_) => None,
        }
    })
}

/// rxing as a user would call it: its QR reader, hybrid binarizer, trying harder.
fn rxing_alone(luma: &Luma) -> Trial {
    timed(|| {
        catch_unwind(AssertUnwindSafe(|| {
            rxing::helpers::detect_in_luma_slice(
                luma.pixels(),
                luma.width() as u32,
                luma.height() as u32,
                Some(rxing::BarcodeFormat::QR_CODE),
            )
            .ok()
            .map(|r| r.getText().to_owned())
        }))
        .ok()
        .flatten()
    })
}

fn attempt_trial(luma: &Luma, attempt: Attempt) -> Trial {
    timed(|| match attempt.run(luma) {
        Outcome::Read(texts) => texts.into_iter().next(),
        _ => None,
    })
}

type Rows = Vec<(String, Vec<Trial>)>;

fn rows(set: &[Picture], zxing: Option<&Path>) -> Rows {
    let mut rows: Rows = Vec::new();
    for stages in 1..=CASCADE.len() {
        let name = if stages == 1 {
            format!("cascade 1: {}", CASCADE[0].name())
        } else {
            format!("+ {}: {}", stages, CASCADE[stages - 1].name())
        };
        rows.push((
            name,
            set.iter()
                .map(|p| cascade_trial(&p.luma, &CASCADE[..stages]))
                .collect(),
        ));
    }
    rows.push((
        "rqrr alone".into(),
        set.iter()
            .map(|p| attempt_trial(&p.luma, Attempt::new(&[], Reader::Rqrr)))
            .collect(),
    ));
    rows.push((
        "rxing alone".into(),
        set.iter().map(|p| rxing_alone(&p.luma)).collect(),
    ));
    if let Some(python) = zxing {
        rows.push(("zxing-cpp".into(), zxing_cpp(python, set)));
    }
    rows
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index]
}

fn is_exact(picture: &Picture, trial: &Trial) -> bool {
    match (&picture.expected, &trial.text) {
        (Some(expected), Some(text)) => text.as_bytes() == expected.as_slice(),
        _ => false,
    }
}

fn table(set: &[Picture], rows: &Rows) {
    let known = set.iter().any(|p| p.expected.is_some());
    println!("| row | exact text | read at all | wrong | panics caught | median ms | p95 ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, trials) in rows {
        let exact = set
            .iter()
            .zip(trials)
            .filter(|(p, t)| is_exact(p, t))
            .count();
        let read = trials.iter().filter(|t| t.text.is_some()).count();
        let panics: usize = trials.iter().map(|t| t.panics).sum();
        let mut ms: Vec<f64> = trials.iter().map(|t| t.ms).collect();
        ms.sort_by(f64::total_cmp);
        let (exact, wrong) = if known {
            (exact.to_string(), (read - exact).to_string())
        } else {
            ("–".into(), "–".into())
        };
        println!(
            "| {name} | {exact} | {read} | {wrong} | {panics} | {:.2} | {:.2} |",
            percentile(&ms, 0.5),
            percentile(&ms, 0.95)
        );
    }
}

fn breakdown(set: &[Picture], rows: &Rows) {
    let mut names: Vec<&str> = Vec::new();
    let mut picked: Vec<&Vec<Trial>> = Vec::new();
    let last = CASCADE.len() - 1;
    for (index, (name, trials)) in rows.iter().enumerate() {
        if index >= last {
            names.push(if index == last { "cascade" } else { name });
            picked.push(trials);
        }
    }
    println!("\nExact reads by degradation:\n");
    println!("| degradation | pictures | {} |", names.join(" | "));
    println!("| --- | ---: |{}", " ---: |".repeat(names.len()));
    for degradation in Degradation::ALL {
        let indices: Vec<usize> = (0..set.len())
            .filter(|&i| set[i].degradation == Some(degradation))
            .collect();
        let counts: Vec<String> = picked
            .iter()
            .map(|trials| {
                indices
                    .iter()
                    .filter(|&&i| is_exact(&set[i], &trials[i]))
                    .count()
                    .to_string()
            })
            .collect();
        println!(
            "| {} | {} | {} |",
            degradation.name(),
            indices.len(),
            counts.join(" | ")
        );
    }
}

/// The pictures the whole cascade does not read exactly, with the rows that do.
fn misses(set: &[Picture], rows: &Rows) {
    let cascade = &rows[CASCADE.len() - 1].1;
    println!("\nNot read exactly by the cascade:\n");
    for (index, picture) in set.iter().enumerate() {
        if picture.expected.is_none() || is_exact(picture, &cascade[index]) {
            continue;
        }
        let readers: Vec<&str> = rows[CASCADE.len()..]
            .iter()
            .filter(|(_, trials)| is_exact(picture, &trials[index]))
            .map(|(name, _)| name.as_str())
            .collect();
        let read = match &cascade[index].text {
            Some(text) => format!(
                "the cascade read {:?}",
                text.chars().take(60).collect::<String>()
            ),
            None => "the cascade read nothing".into(),
        };
        println!(
            "  {} ({read}; read by: {})",
            picture.name,
            readers.join(", ")
        );
    }
}

/// Each candidate alone on the generated set, then the greedy order: after rxing (first by
/// rule), the attempt that adds the most exact reads per millisecond it costs on the pictures
/// not yet read, until none adds.
fn fit(set: &[Picture]) {
    let trials: Vec<Vec<Trial>> = CANDIDATES
        .iter()
        .map(|&attempt| {
            set.iter()
                .map(|p| attempt_trial(&p.luma, attempt))
                .collect()
        })
        .collect();
    println!("\n## Fit on the generated set ({} pictures)\n", set.len());
    println!("| candidate | exact alone | mean ms |");
    println!("| --- | ---: | ---: |");
    for (attempt, trials) in CANDIDATES.iter().zip(&trials) {
        let exact = set
            .iter()
            .zip(trials)
            .filter(|(p, t)| is_exact(p, t))
            .count();
        let mean = trials.iter().map(|t| t.ms).sum::<f64>() / trials.len() as f64;
        println!("| {} | {exact} | {mean:.2} |", attempt.name());
    }
    let mut covered: HashSet<usize> = (0..set.len())
        .filter(|&i| is_exact(&set[i], &trials[0][i]))
        .collect();
    let mut order = vec![(0usize, covered.len(), f64::NAN)];
    let mut left: Vec<usize> = (1..CANDIDATES.len()).collect();
    loop {
        let mut best: Option<(usize, usize, f64)> = None;
        for &c in &left {
            let open: Vec<usize> = (0..set.len()).filter(|i| !covered.contains(i)).collect();
            let added = open
                .iter()
                .filter(|&&i| is_exact(&set[i], &trials[c][i]))
                .count();
            let cost: f64 = open.iter().map(|&i| trials[c][i].ms).sum::<f64>().max(1e-3);
            let rate = added as f64 / cost;
            if added > 0 && best.is_none_or(|(_, _, r)| rate > r) {
                best = Some((c, added, rate));
            }
        }
        let Some((c, added, rate)) = best else { break };
        covered.extend((0..set.len()).filter(|&i| is_exact(&set[i], &trials[c][i])));
        left.retain(|&x| x != c);
        order.push((c, added, rate));
    }
    println!("\nGreedy order (reads added per ms of the pictures still unread):\n");
    println!("| step | attempt | exact added | added per s |");
    println!("| ---: | --- | ---: | ---: |");
    for (step, (c, added, rate)) in order.iter().enumerate() {
        println!(
            "| {} | {} | {added} | {:.1} |",
            step + 1,
            CANDIDATES[*c].name(),
            rate * 1000.0
        );
    }
    println!("covered: {}/{}; CASCADE is:", covered.len(), set.len());
    for attempt in CASCADE {
        let only: Vec<&str> = (0..set.len())
            .filter(|&i| {
                CASCADE.iter().all(|other| {
                    let c = CANDIDATES.iter().position(|a| a == other);
                    let read = c.is_some_and(|c| is_exact(&set[i], &trials[c][i]));
                    read == (other == attempt)
                })
            })
            .map(|i| set[i].name.as_str())
            .collect();
        let position = CASCADE.iter().position(|a| a == attempt).unwrap_or(0);
        let first: Vec<&str> = (0..set.len())
            .filter(|&i| {
                CASCADE[..=position].iter().all(|other| {
                    let c = CANDIDATES.iter().position(|a| a == other);
                    let read = c.is_some_and(|c| is_exact(&set[i], &trials[c][i]));
                    read == (other == attempt)
                })
            })
            .map(|i| set[i].name.as_str())
            .take(6)
            .collect();
        println!(
            "  {} (the only attempt of the cascade that reads: {}; the first to read: {})",
            attempt.name(),
            only.join(", "),
            first.join(", ")
        );
    }
}

fn zxing_available(python: &Path) -> bool {
    std::process::Command::new(python)
        .args(["-c", "import zxingcpp, PIL"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn zxing_cpp(python: &Path, set: &[Picture]) -> Vec<Trial> {
    let list = std::env::temp_dir().join(format!("caretrail-qr-bench-list-{}", std::process::id()));
    let names: Vec<String> = set.iter().map(|p| p.path.display().to_string()).collect();
    std::fs::write(&list, names.join("\n")).expect("writes the list");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/zxing_cpp.py");
    let output = std::process::Command::new(python)
        .arg(&script)
        .arg(&list)
        .output()
        .expect("runs zxing-cpp");
    let _ = std::fs::remove_file(&list);
    assert!(
        output.status.success(),
        "zxing-cpp failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut by_file: BTreeMap<String, Trial> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let texts = value["texts"].as_array().cloned().unwrap_or_default();
        by_file.insert(
            value["file"].as_str().unwrap_or_default().to_owned(),
            Trial {
                text: texts.first().and_then(|t| t.as_str()).map(str::to_owned),
                panics: 0,
                ms: value["ms"].as_f64().unwrap_or(f64::NAN),
            },
        );
    }
    set.iter()
        .map(|p| {
            by_file
                .remove(&p.path.display().to_string())
                .expect("zxing-cpp answered for every picture")
        })
        .collect()
}
