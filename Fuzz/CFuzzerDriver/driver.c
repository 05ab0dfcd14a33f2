/* Empty: SwiftPM needs a source file to make a C target of the header beside it. */
#include "CFuzzerDriver.h"
