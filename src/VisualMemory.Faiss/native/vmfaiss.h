// C ABI of the shim. Every int-returning vm_index_*/vm_knn_*/vm_set_* function returns 0 on success
// and -1 on failure; after a failure,
// vm_last_error() returns the message of the C++ exception (thread-local, valid until the next
// call on the same thread). No C++ exception ever crosses this boundary.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VM_API __attribute__((visibility("default")))

typedef struct vm_index vm_index;

VM_API const char* vm_last_error(void);

/* metric: 0 = inner product, 1 = L2. Non-IVF indexes are wrapped in an id map. */
VM_API int vm_index_factory(int d, const char* description, int metric, vm_index** out);
VM_API void vm_index_free(vm_index* index);
VM_API int vm_index_info(const vm_index* index, int* d, int64_t* ntotal, int* is_trained, int* metric, int64_t* nlist);
VM_API int vm_index_train(vm_index* index, int64_t n, const float* x);
VM_API int vm_index_add_with_ids(vm_index* index, int64_t n, const float* x, const int64_t* ids);
VM_API int vm_index_remove_ids(vm_index* index, int64_t n, const int64_t* ids, int64_t* removed);
/* nprobe <= 0 keeps the index's own setting. Missing results have label -1. */
VM_API int vm_index_search(const vm_index* index, int64_t n, const float* x, int64_t k, int64_t nprobe,
                           float* distances, int64_t* labels);
VM_API int vm_index_set_nprobe(vm_index* index, int64_t nprobe);
VM_API int vm_index_serialize(const vm_index* index, uint8_t** data, int64_t* size);
VM_API void vm_buffer_free(uint8_t* data);
VM_API int vm_index_deserialize(const uint8_t* data, int64_t size, vm_index** out);
/* Every stored vector, decoded (approximate for PQ), with its id, in storage order: ids and vectors
   must hold ntotal entries and ntotal * d floats. Serves jobs that need the memory's vectors back
   after sealing dropped the exact rows (pruning, training a linear head). */
VM_API int vm_index_export(const vm_index* index, int64_t ntotal, int64_t* ids, float* vectors);
/* One stored vector by id (decoded for PQ); *found = 0 when the id is not stored. A linear scan of
   the ids (no direct map is kept), so meant for single lookups such as residual queries. */
VM_API int vm_index_reconstruct_id(const vm_index* index, int64_t id, float* vector, int* found);
VM_API int vm_index_clone(const vm_index* index, vm_index** out);
/* Whether every entry of src can move into dst unchanged: both are unwrapped IVF indexes of the same
   type and shape, with identical coarse centroids and an identical trained codec (PQ codebooks, SQ
   ranges; Flat has none). */
VM_API int vm_index_can_merge(const vm_index* dst, const vm_index* src, int* result);
/* Moves every entry of src into dst, adding add_id to its ids, without decoding; src is left empty.
   Fails unless vm_index_can_merge says yes. */
VM_API int vm_index_merge_from(vm_index* dst, vm_index* src, int64_t add_id);
/* A 64-bit FNV-1a hash of an IVF index's coarse centroids (and nlist, d): equal for copies of one trained
   template; 0 for indexes without inverted lists, untrained ones and wrapped ones (pre-transforms). */
VM_API int vm_index_coarse_fingerprint(const vm_index* index, uint64_t* hash);
/* The nprobe (> 0) nearest coarse lists of each of n queries: n × nprobe list numbers and scores, best first. */
VM_API int vm_index_coarse_assign(const vm_index* index, int64_t n, const float* x, int64_t nprobe,
                                  int64_t* lists, float* list_scores);
/* An IVF search whose coarse lists were assigned by vm_index_coarse_assign on an index with the same
   coarse centroids (same fingerprint), so one assignment serves every such index. */
VM_API int vm_index_search_preassigned(const vm_index* index, int64_t n, const float* x, int64_t k, int64_t nprobe,
                                       const int64_t* lists, const float* list_scores, float* distances, int64_t* labels);
/* Bytes one stored vector's code takes (for IVF, without its id and list number). */
VM_API int vm_index_code_size(const vm_index* index, int64_t* bytes);

/* Exact inner-product k-NN of nx queries against ny rows; result slot j of row i is the row number. */
VM_API int vm_knn_inner_product(const float* x, int64_t nx, const float* y, int64_t ny, int d, int64_t k,
                                float* similarities, int64_t* rows);

VM_API int vm_set_num_threads(int n);
VM_API int vm_get_num_threads(void);

#ifdef __cplusplus
}
#endif
