/* fault-mpi.c — an MPI_Allreduce that is wrong on rank 1, for
 * tests/bats/mpi.bats: linked into a test build of nn-train, it adds one
 * to the first float of every float sum that rank 1 receives, as ranks on
 * different CPUs or libraries might disagree, so that the test sees
 * nn-train's comparison of the ranks' weights end the job.  The real
 * all-reduce is PMPI_Allreduce, MPI's profiling interface. */
#include <mpi.h>

int MPI_Allreduce(const void *in, void *out, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
	int rank, rc = PMPI_Allreduce(in, out, count, type, op, comm);
	if (rc == MPI_SUCCESS && type == MPI_FLOAT && op == MPI_SUM && count > 0 &&
	    PMPI_Comm_rank(comm, &rank) == MPI_SUCCESS && rank == 1)
		((float *)out)[0] += 1.0f;
	return rc;
}
