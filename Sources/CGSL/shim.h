#ifndef SLUICE_CGSL_SHIM_H
#define SLUICE_CGSL_SHIM_H
// The parts of GSL that Stochastic uses: generators, random variates, CDFs, statistics.
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#endif
