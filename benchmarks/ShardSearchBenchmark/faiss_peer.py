"""The peer: Debian's python3-faiss (the same FAISS 1.7.3 as our shim) searching the same index file.
Usage: faiss_peer.py INDEX QUERIES.npy K NPROBE THREADS ROUNDS -> JSON {"seconds": [...], "ids": first query's ids}"""
import json, sys, time
import faiss, numpy as np

index_path, queries_path, k, nprobe, threads, rounds = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
faiss.omp_set_num_threads(threads)
index = faiss.read_index(index_path)
faiss.extract_index_ivf(index).nprobe = nprobe
queries = np.load(queries_path)
seconds = []
for _ in range(rounds):
    start = time.perf_counter()
    _, ids = index.search(queries, k)
    seconds.append(time.perf_counter() - start)
print(json.dumps({"seconds": seconds, "ids": ids.tolist()}))
