package io.zdd.common.model;

/** In port-swap mode, a frontend on its own port serving only one colour's servers. */
public record ColourFrontend(Colour colour, int port) {
  public ColourFrontend {
    if (colour == null || colour == Colour.NONE) {
      throw new io.zdd.common.error.InvalidInputException("colour_frontends.colour",
          "must be BLUE or GREEN");
    }
    Validation.port("colour_frontends.port", port);
  }
}
