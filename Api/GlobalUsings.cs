global using Platform.Api.Extensions;
