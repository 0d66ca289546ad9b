// Thin shim: translate the C ABI in vmfaiss.h into FAISS calls and every C++ exception into an
// error code plus message. No logic of the product lives here.
#include "vmfaiss.h"

#include <faiss/Index.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/clone_index.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

struct vm_index {
    std::unique_ptr<faiss::Index> index;
};

namespace {

thread_local std::string last_error;

template <typename F>
int guarded(F&& body) {
    try {
        body();
        return 0;
    } catch (const std::exception& e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown C++ exception in FAISS";
    }
    return -1;
}

void require(bool condition, const char* message) {
    if (!condition) throw std::invalid_argument(message);
}

// The IVF layer if there is one, so nprobe and nlist can be reached through wrappers.
const faiss::IndexIVF* find_ivf(const faiss::Index* index) {
    return faiss::ivflib::try_extract_index_ivf(index);
}

// FAISS's own merge check compares the coarse centroids but not the codec's training, so entries
// encoded with other PQ codebooks or SQ ranges would be merged silently wrong; both are compared here.
bool same_codec(const faiss::IndexIVF& a, const faiss::IndexIVF& b) {
    if (typeid(a) != typeid(b) || a.d != b.d || a.nlist != b.nlist || a.code_size != b.code_size ||
        a.metric_type != b.metric_type || !a.is_trained || !b.is_trained) {
        return false;
    }
    std::vector<float> ca(a.nlist * a.d), cb(b.nlist * b.d);
    a.quantizer->reconstruct_n(0, static_cast<faiss::Index::idx_t>(a.nlist), ca.data());
    b.quantizer->reconstruct_n(0, static_cast<faiss::Index::idx_t>(b.nlist), cb.data());
    if (ca != cb) return false;
    if (const auto* pa = dynamic_cast<const faiss::IndexIVFPQ*>(&a)) {
        const auto& pb = dynamic_cast<const faiss::IndexIVFPQ&>(b);
        return pa->by_residual == pb.by_residual && pa->pq.M == pb.pq.M && pa->pq.nbits == pb.pq.nbits &&
               pa->pq.centroids == pb.pq.centroids;
    }
    if (const auto* sa = dynamic_cast<const faiss::IndexIVFScalarQuantizer*>(&a)) {
        const auto& sb = dynamic_cast<const faiss::IndexIVFScalarQuantizer&>(b);
        return sa->by_residual == sb.by_residual && sa->sq.qtype == sb.sq.qtype && sa->sq.trained == sb.sq.trained;
    }
    return typeid(a) == typeid(faiss::IndexIVFFlat);
}

bool can_merge(const faiss::Index* dst, const faiss::Index* src) {
    const faiss::IndexIVF* a = find_ivf(dst);
    const faiss::IndexIVF* b = find_ivf(src);
    return a != nullptr && b != nullptr && a == dst && b == src && same_codec(*a, *b);
}

// Runs body(begin, end) over query slices, one per OpenMP thread, as IndexIVF::search spreads a batch (its
// parts called directly, quantizer search and search_preassigned, run a batch on one thread). The first
// exception of any slice is rethrown after the loop, since none may leave an OpenMP region.
template <typename Body>
void for_each_query_slice(int64_t n, Body&& body) {
    const int64_t threads = std::min<int64_t>(omp_get_max_threads(), n);
    if (threads <= 1) {
        body(0, n);
        return;
    }
    std::string failure;
#pragma omp parallel for num_threads(static_cast<int>(threads))
    for (int64_t slice = 0; slice < threads; slice++) {
        try {
            body(n * slice / threads, n * (slice + 1) / threads);
        } catch (const std::exception& e) {
#pragma omp critical(vm_slice_failure)
            failure = e.what();
        }
    }
    if (!failure.empty()) throw std::runtime_error(failure);
}

// Visits every stored vector in storage order as visit(id, decode), where decode(out) writes the
// (for PQ, decoded) vector; visit returns false to stop. IVF indexes are walked list by list, so no
// direct map is needed; everything else is wrapped in an id map.
template <typename Visit>
void for_each_stored(const faiss::Index* index, Visit&& visit) {
    if (const faiss::IndexIVF* ivf = find_ivf(index)) {
        require(ivf == index, "wrapped IVF indexes cannot be walked");
        for (size_t list = 0; list < ivf->nlist; list++) {
            const size_t size = ivf->invlists->list_size(list);
            faiss::InvertedLists::ScopedIds list_ids(ivf->invlists, list);
            for (size_t offset = 0; offset < size; offset++) {
                auto decode = [&](float* out) {
                    ivf->reconstruct_from_offset(static_cast<int64_t>(list), static_cast<int64_t>(offset), out);
                };
                if (!visit(static_cast<int64_t>(list_ids[offset]), decode)) return;
            }
        }
        return;
    }
    const auto* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    require(map != nullptr, "index has neither inverted lists nor an id map");
    for (size_t row = 0; row < map->id_map.size(); row++) {
        auto decode = [&](float* out) { map->index->reconstruct(static_cast<int64_t>(row), out); };
        if (!visit(map->id_map[row], decode)) return;
    }
}

// FAISS parallelises with OpenMP and calls BLAS from inside those regions; OpenBLAS's own pthreads
// then compete with OpenMP's for the same cores (measured: IVF training 2x slower on 2 cores).
// Unless the operator chose a BLAS thread count, BLAS runs single-threaded inside FAISS's threads.
extern "C" void openblas_set_num_threads(int);

__attribute__((constructor)) void single_threaded_blas_by_default() {
    if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
        openblas_set_num_threads(1);
    }
}

}  // namespace

extern "C" {

const char* vm_last_error(void) { return last_error.c_str(); }

int vm_index_factory(int d, const char* description, int metric, vm_index** out) {
    return guarded([&] {
        require(out != nullptr && description != nullptr, "null argument");
        require(d > 0, "dimension must be positive");
        require(metric == 0 || metric == 1, "metric must be 0 (inner product) or 1 (L2)");
        auto faiss_metric = metric == 0 ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
        std::unique_ptr<faiss::Index> index(faiss::index_factory(d, description, faiss_metric));
        // IVF indexes store caller ids natively; everything else needs an id map to accept them.
        if (find_ivf(index.get()) == nullptr && dynamic_cast<faiss::IndexIDMap*>(index.get()) == nullptr) {
            auto* map = new faiss::IndexIDMap(index.get());
            map->own_fields = true;
            index.release();
            index.reset(map);
        }
        *out = new vm_index{std::move(index)};
    });
}

void vm_index_free(vm_index* index) { delete index; }

int vm_index_info(const vm_index* index, int* d, int64_t* ntotal, int* is_trained, int* metric, int64_t* nlist) {
    return guarded([&] {
        require(index != nullptr, "null index");
        const faiss::Index* i = index->index.get();
        if (d) *d = i->d;
        if (ntotal) *ntotal = i->ntotal;
        if (is_trained) *is_trained = i->is_trained ? 1 : 0;
        if (metric) *metric = i->metric_type == faiss::METRIC_INNER_PRODUCT ? 0 : 1;
        if (nlist) {
            const faiss::IndexIVF* ivf = find_ivf(i);
            *nlist = ivf ? static_cast<int64_t>(ivf->nlist) : 0;
        }
    });
}

int vm_index_train(vm_index* index, int64_t n, const float* x) {
    return guarded([&] {
        require(index != nullptr && (x != nullptr || n == 0), "null argument");
        require(n >= 0, "n must be non-negative");
        index->index->train(n, x);
    });
}

int vm_index_add_with_ids(vm_index* index, int64_t n, const float* x, const int64_t* ids) {
    return guarded([&] {
        require(index != nullptr && ((x != nullptr && ids != nullptr) || n == 0), "null argument");
        require(n >= 0, "n must be non-negative");
        index->index->add_with_ids(n, x, ids);
    });
}

int vm_index_remove_ids(vm_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    return guarded([&] {
        require(index != nullptr && (ids != nullptr || n == 0) && removed != nullptr, "null argument");
        require(n >= 0, "n must be non-negative");
        faiss::IDSelectorBatch selector(static_cast<size_t>(n), ids);
        *removed = static_cast<int64_t>(index->index->remove_ids(selector));
    });
}

int vm_index_export(const vm_index* index, int64_t ntotal, int64_t* ids, float* vectors) {
    return guarded([&] {
        require(index != nullptr && ((ids != nullptr && vectors != nullptr) || ntotal == 0), "null argument");
        require(ntotal == index->index->ntotal, "ntotal does not match the index");
        const size_t d = static_cast<size_t>(index->index->d);
        int64_t row = 0;
        for_each_stored(index->index.get(), [&](int64_t id, const auto& decode) {
            ids[row] = id;
            decode(vectors + row * d);
            row++;
            return true;
        });
    });
}

int vm_index_reconstruct_id(const vm_index* index, int64_t id, float* vector, int* found) {
    return guarded([&] {
        require(index != nullptr && vector != nullptr && found != nullptr, "null argument");
        *found = 0;
        for_each_stored(index->index.get(), [&](int64_t stored, const auto& decode) {
            if (stored != id) return true;
            decode(vector);
            *found = 1;
            return false;
        });
    });
}

int vm_index_search(const vm_index* index, int64_t n, const float* x, int64_t k, int64_t nprobe,
                    float* distances, int64_t* labels) {
    return guarded([&] {
        require(index != nullptr && distances != nullptr && labels != nullptr && (x != nullptr || n == 0),
                "null argument");
        require(n >= 0, "n must be non-negative");
        require(k > 0, "k must be positive");
        const faiss::Index* i = index->index.get();
        const faiss::IndexIVF* ivf = find_ivf(i);
        if (nprobe > 0 && ivf != nullptr) {
            // Per-call parameters leave the shared index untouched, so concurrent searches with
            // different nprobe values do not race.
            faiss::SearchParametersIVF params;
            params.nprobe = static_cast<size_t>(nprobe);
            // Wrappers in FAISS 1.7.3 (pre-transforms) do not forward IVF parameters, so a
            // per-call nprobe is refused there rather than silently ignored.
            require(ivf == i, "nprobe can only be set per search on a plain IVF index");
            i->search(n, x, k, distances, labels, &params);
        } else {
            i->search(n, x, k, distances, labels);
        }
    });
}

int vm_index_set_nprobe(vm_index* index, int64_t nprobe) {
    return guarded([&] {
        require(index != nullptr, "null index");
        require(nprobe > 0, "nprobe must be positive");
        auto* ivf = faiss::ivflib::try_extract_index_ivf(index->index.get());
        require(ivf != nullptr, "nprobe applies to IVF indexes only");
        ivf->nprobe = static_cast<size_t>(nprobe);
    });
}

int vm_index_serialize(const vm_index* index, uint8_t** data, int64_t* size) {
    return guarded([&] {
        require(index != nullptr && data != nullptr && size != nullptr, "null argument");
        faiss::VectorIOWriter writer;
        faiss::write_index(index->index.get(), &writer);
        auto* buffer = static_cast<uint8_t*>(std::malloc(writer.data.size() == 0 ? 1 : writer.data.size()));
        if (buffer == nullptr) throw std::bad_alloc();
        std::memcpy(buffer, writer.data.data(), writer.data.size());
        *data = buffer;
        *size = static_cast<int64_t>(writer.data.size());
    });
}

void vm_buffer_free(uint8_t* data) { std::free(data); }

int vm_index_deserialize(const uint8_t* data, int64_t size, vm_index** out) {
    return guarded([&] {
        require(data != nullptr && out != nullptr, "null argument");
        require(size > 0, "empty index buffer");
        faiss::VectorIOReader reader;
        reader.data.assign(data, data + size);
        std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
        *out = new vm_index{std::move(index)};
    });
}

int vm_index_clone(const vm_index* index, vm_index** out) {
    return guarded([&] {
        require(index != nullptr && out != nullptr, "null argument");
        std::unique_ptr<faiss::Index> copy(faiss::clone_index(index->index.get()));
        *out = new vm_index{std::move(copy)};
    });
}

int vm_index_can_merge(const vm_index* dst, const vm_index* src, int* result) {
    return guarded([&] {
        require(dst != nullptr && src != nullptr && result != nullptr, "null argument");
        *result = can_merge(dst->index.get(), src->index.get()) ? 1 : 0;
    });
}

int vm_index_merge_from(vm_index* dst, vm_index* src, int64_t add_id) {
    return guarded([&] {
        require(dst != nullptr && src != nullptr, "null argument");
        require(dst != src, "an index cannot be merged into itself");
        require(can_merge(dst->index.get(), src->index.get()),
                "only IVF indexes with the same coarse centroids and the same trained codec can be merged");
        dst->index->merge_from(*src->index, add_id);
    });
}

int vm_index_coarse_fingerprint(const vm_index* index, uint64_t* hash) {
    return guarded([&] {
        require(index != nullptr && hash != nullptr, "null argument");
        const faiss::IndexIVF* ivf = find_ivf(index->index.get());
        // Wrapped IVF indexes (pre-transforms) search transformed queries, so lists assigned on raw ones would not fit.
        if (ivf == nullptr || ivf != index->index.get() || !ivf->is_trained) {
            *hash = 0;
            return;
        }
        std::vector<float> centroids(ivf->nlist * ivf->d);
        ivf->quantizer->reconstruct_n(0, static_cast<faiss::Index::idx_t>(ivf->nlist), centroids.data());
        uint64_t h = 1469598103934665603ULL;
        auto mix = [&h](const void* data, size_t size) {
            const auto* bytes = static_cast<const unsigned char*>(data);
            for (size_t i = 0; i < size; i++) {
                h ^= bytes[i];
                h *= 1099511628211ULL;
            }
        };
        const int64_t shape[2] = {static_cast<int64_t>(ivf->nlist), static_cast<int64_t>(ivf->d)};
        mix(shape, sizeof(shape));
        mix(centroids.data(), centroids.size() * sizeof(float));
        *hash = h == 0 ? 1 : h;
    });
}

int vm_index_coarse_assign(const vm_index* index, int64_t n, const float* x, int64_t nprobe,
                           int64_t* lists, float* list_scores) {
    return guarded([&] {
        require(index != nullptr && lists != nullptr && list_scores != nullptr && (x != nullptr || n == 0),
                "null argument");
        require(n >= 0 && nprobe > 0, "n must be non-negative and nprobe positive");
        const faiss::IndexIVF* ivf = find_ivf(index->index.get());
        require(ivf != nullptr && ivf == index->index.get() && ivf->is_trained, "coarse assignment needs a plain, trained IVF index");
        require(static_cast<size_t>(nprobe) <= ivf->nlist, "nprobe exceeds the number of lists");
        // BLAS runs single-threaded here (see above), so the threads take query slices.
        for_each_query_slice(n, [&](int64_t begin, int64_t end) {
            ivf->quantizer->search(end - begin, x + begin * ivf->d, nprobe, list_scores + begin * nprobe, lists + begin * nprobe);
        });
    });
}

int vm_index_search_preassigned(const vm_index* index, int64_t n, const float* x, int64_t k, int64_t nprobe,
                                const int64_t* lists, const float* list_scores, float* distances, int64_t* labels) {
    return guarded([&] {
        require(index != nullptr && lists != nullptr && list_scores != nullptr && distances != nullptr &&
                    labels != nullptr && (x != nullptr || n == 0),
                "null argument");
        require(n >= 0 && k > 0 && nprobe > 0, "n must be non-negative, k and nprobe positive");
        const faiss::IndexIVF* ivf = find_ivf(index->index.get());
        require(ivf != nullptr && ivf == index->index.get(), "a preassigned search needs a plain IVF index");
        require(static_cast<size_t>(nprobe) <= ivf->nlist, "nprobe exceeds the number of lists");
        faiss::SearchParametersIVF params;
        params.nprobe = static_cast<size_t>(nprobe);
        for_each_query_slice(n, [&](int64_t begin, int64_t end) {
            ivf->search_preassigned(end - begin, x + begin * ivf->d, k, lists + begin * nprobe, list_scores + begin * nprobe,
                                    distances + begin * k, labels + begin * k, false, &params);
        });
    });
}

int vm_index_code_size(const vm_index* index, int64_t* bytes) {
    return guarded([&] {
        require(index != nullptr && bytes != nullptr, "null argument");
        const faiss::IndexIVF* ivf = find_ivf(index->index.get());
        *bytes = static_cast<int64_t>(ivf ? ivf->code_size : index->index->sa_code_size());
    });
}

int vm_knn_inner_product(const float* x, int64_t nx, const float* y, int64_t ny, int d, int64_t k,
                         float* similarities, int64_t* rows) {
    return guarded([&] {
        require(similarities != nullptr && rows != nullptr, "null argument");
        require(nx >= 0 && ny >= 0 && d > 0 && k > 0, "invalid sizes");
        require((x != nullptr || nx == 0) && (y != nullptr || ny == 0), "null argument");
        faiss::knn_inner_product(x, y, static_cast<size_t>(d), static_cast<size_t>(nx), static_cast<size_t>(ny),
                                 static_cast<size_t>(k), similarities, rows);
    });
}

int vm_set_num_threads(int n) {
    return guarded([&] {
        require(n > 0, "thread count must be positive");
        omp_set_num_threads(n);
    });
}

int vm_get_num_threads(void) { return omp_get_max_threads(); }

}  // extern "C"
