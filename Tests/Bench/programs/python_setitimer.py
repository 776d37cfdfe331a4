# The "python3 running a CPU-bound loop with signal.setitimer at 100 Hz" row of make bench: an
# ordinary interpreted loop; the SIGALRM handler counts ticks and notes which function was running.
import collections, signal, sys
ticks = collections.Counter()
def on_alarm(signum, frame):
    ticks[frame.f_code.co_name if frame else "?"] += 1
signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
def crunch(n):
    total = 0
    for i in range(n):
        total = (total * 31 + i) % 1000003
    return total
result = crunch(int(sys.argv[1]) if len(sys.argv) > 1 else 3000000)
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("result", result, "ticks", sum(ticks.values()))
