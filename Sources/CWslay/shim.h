#ifndef CWSLAY_SHIM_H
#define CWSLAY_SHIM_H

#include <sys/types.h>
#include <stdint.h>
#include <stddef.h>
#include <wslay/wslay.h>

#endif
