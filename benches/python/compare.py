"""Python's process-safe peers of racelab's process queues and counter,
measured with the same workload as benches/benches/compare.rs (which runs
this script and passes the sizes). Prints one tab-separated line per
contender: kind, contender, items, median seconds. Every run is checked
(the sum of the items, the final count)."""

import argparse
import multiprocessing as mp
import statistics
import time

SENTINEL = None


def producer(q, first, count):
    for i in range(first, first + count):
        q.put(i)


def consumer(q, sums):
    total = 0
    while True:
        item = q.get()
        if item is SENTINEL:
            break
        total += item
    sums.put(total)


def queue_run(make_queue, args):
    """Producers put their items, then one sentinel per consumer: Python's
    queues have no close()."""
    q = make_queue(args.capacity)
    sums = mp.Queue()
    total_items = args.producers * args.items
    began = time.perf_counter()
    producers = [
        mp.Process(target=producer, args=(q, p * args.items, args.items))
        for p in range(args.producers)
    ]
    consumers = [mp.Process(target=consumer, args=(q, sums)) for _ in range(args.consumers)]
    for p in producers + consumers:
        p.start()
    for p in producers:
        p.join(timeout=60)
    for _ in consumers:
        q.put(SENTINEL)
    total = sum(sums.get(timeout=60) for _ in consumers)
    for c in consumers:
        c.join(timeout=60)
    took = time.perf_counter() - began
    assert total == total_items * (total_items - 1) // 2, total
    return took


def adder(value, lock, count):
    for _ in range(count):
        with lock:
            value.value += 1


def counter_run(args):
    value = mp.Value("q", 0, lock=False)
    lock = mp.Lock()
    began = time.perf_counter()
    workers = [mp.Process(target=adder, args=(value, lock, args.increments)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    took = time.perf_counter() - began
    assert value.value == 2 * args.increments, value.value
    return took


def median(runs, once):
    once()  # warm-up, as the Rust side does
    return statistics.median(once() for _ in range(runs))


def main():
    parser = argparse.ArgumentParser()
    for name in ("runs", "producers", "consumers", "items", "capacity", "increments"):
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()
    mp.set_start_method("fork")
    items = args.producers * args.items
    print(f"queue\tmultiprocessing.Queue\t{items}\t{median(args.runs, lambda: queue_run(mp.Queue, args))}")
    with mp.Manager() as manager:
        took = median(args.runs, lambda: queue_run(manager.Queue, args))
    print(f"queue\tmultiprocessing Manager().Queue\t{items}\t{took}")
    took = median(args.runs, lambda: counter_run(args))
    print(f"counter\tmultiprocessing.Value + Lock\t{2 * args.increments}\t{took}")


if __name__ == "__main__":
    main()
