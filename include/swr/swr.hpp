#ifndef SWR_SWR_HPP
#define SWR_SWR_HPP

// Includes every public header of the `swr` library (metrics.hpp through
// client.hpp). The emulator, swr/emulator.hpp in library `swr_emulator`, is
// not included.

#include <swr/client.hpp>
#include <swr/content_range.hpp>
#include <swr/credentials.hpp>
#include <swr/endpoint.hpp>
#include <swr/error.hpp>
#include <swr/iam_credentials.hpp>
#include <swr/log.hpp>
#include <swr/page.hpp>
#include <swr/page_stream.hpp>
#include <swr/rate_limiter.hpp>
#include <swr/repository.hpp>
#include <swr/request.hpp>
#include <swr/retry.hpp>

#endif
