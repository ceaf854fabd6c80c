//! Awaiting many futures at once on the current task (no spawning, so borrowed state is fine).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Polls every future until all are done; results in input order.
pub async fn join_all<F: Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut slots = poll_all(futs, None).await;
    slots.drain(..).flatten().collect()
}

/// Polls every future until all are done or `deadline` passes; unfinished ones become
/// `missing(index)`. Results in input order.
pub async fn join_all_until<F, T>(
    futs: impl Iterator<Item = F>,
    deadline: tokio::time::Instant,
    missing: impl Fn(usize) -> T,
) -> Vec<T>
where
    F: Future<Output = T>,
{
    poll_all(futs, Some(deadline))
        .await
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.unwrap_or_else(|| missing(i)))
        .collect()
}

/// The shared loop: a slot per future, filled as each completes.
async fn poll_all<F: Future>(
    futs: impl Iterator<Item = F>,
    deadline: Option<tokio::time::Instant>,
) -> Vec<Option<F::Output>> {
    let mut pending: Vec<(usize, Pin<Box<F>>)> = futs.map(Box::pin).enumerate().collect();
    let mut slots: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    let all = std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            Poll::Ready(v) => {
                slots[*i] = Some(v);
                false
            }
            Poll::Pending => true,
        });
        if pending.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    match deadline {
        Some(d) => {
            let _ = tokio::time::timeout_at(d, all).await;
        }
        None => all.await,
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn keeps_order_and_fills_missing_after_deadline() {
        let delays = [30u64, 10, 500, 20];
        let deadline = tokio::time::Instant::now() + Duration::from_millis(100);
        let futs = delays.iter().map(|&ms| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms as i64
        });
        let got = join_all_until(futs, deadline, |i| -(i as i64)).await;
        assert_eq!(got, vec![30, 10, -2, 20]);
        let all = join_all(delays.iter().map(|&ms| async move { ms })).await;
        assert_eq!(all, delays);
    }
}
