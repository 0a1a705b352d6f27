#!/usr/bin/python3
"""make bench, optional part: the reference task of nn-train(1) with the
frameworks people would otherwise use, when Debian's packages for them are
installed (python3-sklearn, python3-torch).  Prints one markdown table row
per framework found, "skipped" otherwise; never fails the bench.

Task: Fashion-MNIST, pixels / 255, MLP 784-256-128-10 relu, Adam lr 1e-3,
batch 128, EPOCHS epochs; samples/s over the training loop only, and
nnpipe's samples/s at the same thread count (NN_RATE1, NN_RATE2 from
run.sh) over the framework's.  scikit-learn runs at the BLAS threads the
environment gives it.  Debian's PyTorch calls the system BLAS (OpenBLAS)
for its products, whose threads are set apart from PyTorch's own (and
only before it loads): each PyTorch configuration runs in a child
process with its environment — 1 thread and 1 BLAS thread, then the two
ways to use two cores (2 PyTorch threads over 1-thread BLAS, 1 PyTorch
thread over 2-thread BLAS).  2 and 2 oversubscribes the cores
(bench/results.md), so it is not a fair comparison."""
import gzip, os, subprocess, sys, time

EPOCHS = int(os.environ.get("BENCH_EPOCHS", "10"))
THREADS = os.environ.get("BENCH_THREADS", "2")
NN_RATE = {1: float(os.environ.get("NN_RATE1", "0")), int(THREADS): float(os.environ.get("NN_RATE2", "0"))}
FASHION = "/usr/share/datasets/fashion-mnist"

try:
    import numpy as np
except ImportError:
    print("| numpy | | skipped: python3-numpy is not installed | | | |")
    sys.exit(0)


def idx(name, offset):
    with gzip.open(os.path.join(FASHION, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x_train = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
y_train = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
x_test = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
y_test = idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)


def ratio(rate, threads):
    """nnpipe's samples/s over the framework's, at the same threads."""
    nn = NN_RATE.get(threads, 0)
    return "%.2f" % (nn / rate) if nn > 0 else "?"


def sklearn_row():
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return "| scikit-learn MLPClassifier | | skipped: python3-sklearn is not installed | | | |"
    import warnings
    warnings.filterwarnings("ignore")          # "did not converge" after EPOCHS
    m = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam",
                      learning_rate_init=1e-3, batch_size=128, max_iter=EPOCHS,
                      shuffle=True, random_state=1, tol=0, n_iter_no_change=EPOCHS + 1)
    t0 = time.perf_counter()
    m.fit(x_train, y_train)
    secs = time.perf_counter() - t0
    acc = (m.predict(x_test) == y_test).mean()
    rate = len(x_train) * EPOCHS / secs
    return "| scikit-learn %s MLPClassifier | %s | %.0f | %s | %.4f | %.1f |" % (
        __import__("sklearn").__version__, THREADS, rate, ratio(rate, int(THREADS)), acc, secs)


def torch_row(threads, blas):
    """In a child process (see above): reference.py --torch T B."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(blas))
    r = subprocess.run([sys.executable, __file__, "--torch", str(threads), str(blas)], env=env,
                       stdout=subprocess.PIPE, universal_newlines=True)
    return r.stdout.strip() or "| PyTorch | %d, BLAS %d | failed (status %d) | | | |" % (
        threads, blas, r.returncode)


def torch_child(threads, blas):
    try:
        import torch
    except ImportError:
        return "| PyTorch | | skipped: python3-torch is not installed | | | |"
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    X, Y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(X))
        for i in range(0, len(X), 128):
            idx_ = perm[i:i + 128]
            opt.zero_grad()
            loss_fn(net(X[idx_]), Y[idx_]).backward()
            opt.step()
    secs = time.perf_counter() - t0
    with torch.no_grad():
        acc = (net(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean()
    rate = len(X) * EPOCHS / secs
    cores = max(threads, blas)
    return "| PyTorch %s | %d, BLAS %d | %.0f | %s | %.4f | %.1f |" % (
        torch.__version__, threads, blas, rate, ratio(rate, cores), acc, secs)


if sys.argv[1:2] == ["--torch"]:
    print(torch_child(int(sys.argv[2]), int(sys.argv[3])))
    sys.exit(0)
print("| framework | threads | samples/s | nnpipe × faster (same cores) | test accuracy | seconds |")
print("|---|---|---|---|---|---|")
for t, b in [(1, 1), (int(THREADS), 1), (1, int(THREADS))] if THREADS != "1" else [(1, 1)]:
    print(torch_row(t, b))
print(sklearn_row())
