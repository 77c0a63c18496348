global using Platform.Api.Accounts;
global using Platform.Api.Apis;
global using Platform.Api.Extensions;
